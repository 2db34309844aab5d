"""Authentication endpoints: access tokens, their revocation, WebSocket approval keys
and body hash keys.

KIS: 접근토큰발급(P) [인증-001] /oauth2/tokenP, 접근토큰폐기(P) [인증-002] /oauth2/revokeP,
실시간 접속키 발급 [실시간-000] /oauth2/Approval, Hashkey /uapi/hashkey. These answer in a
plain JSON object (no rt_cd envelope) and refuse with ``error_code``/``error_description``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from pykis.market import KST
from pykis.sim.errors import SimError
from pykis.sim.wire.protocol import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from pykis.sim.state import SimState

__all__ = ["approval", "hashkey", "revoke", "token"]


def _body(request: SimRequest, *, oauth: bool = True) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise SimError("EGW00101") if oauth else SimError("OPSQ9997") from None
    if not isinstance(body, dict):
        raise SimError("EGW00101") if oauth else SimError("OPSQ9997")
    return body


def token(state: SimState, request: SimRequest) -> SimResponse:
    body = _body(request)
    if body.get("grant_type") != "client_credentials":
        raise SimError("EGW00101")
    account = state.auth.app(body.get("appkey"), body.get("appsecret"), oauth=True)
    now = state.clock.timestamp()
    issued = state.auth.issue(account, now)
    expiry = dt.datetime.fromtimestamp(issued.expires_at, KST).strftime("%Y-%m-%d %H:%M:%S")
    return json_response(200, {
        "access_token": issued.value,
        "access_token_token_expired": expiry,
        "token_type": "Bearer",
        "expires_in": max(0, int(issued.expires_at - now)),
    })


def revoke(state: SimState, request: SimRequest) -> SimResponse:
    body = _body(request)
    account = state.auth.app(body.get("appkey"), body.get("appsecret"), oauth=True)
    state.auth.revoke(account, str(body.get("token", "")))
    return json_response(200, {"code": 200, "message": "접근토큰 폐기에 성공하였습니다."})


def approval(state: SimState, request: SimRequest) -> SimResponse:
    body = _body(request)
    if body.get("grant_type") != "client_credentials":
        raise SimError("EGW00101")
    account = state.auth.app(body.get("appkey"), body.get("secretkey"), oauth=True)
    return json_response(200, {"approval_key": state.auth.approve(account)})


def hashkey(state: SimState, request: SimRequest) -> SimResponse:
    headers = request.headers
    account = state.auth.app(headers.get("appkey"), headers.get("appsecret"), oauth=False)
    body = _body(request, oauth=False)
    return json_response(200, {"JsonBody": body, "HASH": state.auth.hashkey(account, body)})
