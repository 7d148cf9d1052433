"""pygls' protocol with three hardenings:

- a request whose params do not match the LSP schema gets an ``InvalidParams`` error reply (pygls would only
  log it and leave the client waiting);
- ``$/cancelRequest`` naming a ``workspace/executeCommand`` request that started a tierwise task cancels the
  task, even after the command returned its ``{taskId}`` (commands return at once, so the request is rarely
  still pending when the cancellation arrives);
- an expected error response (``InvalidParams`` from payload validation, an unknown command, ``RequestFailed``)
  is logged in one line; unexpected exceptions keep their traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCRequestMessage

from tierwise.lsp import code_actions

log = logging.getLogger(__name__)


class RawJson(list):  # type: ignore[type-arg]
    """A handler result that is already plain JSON: sent as is, without a typed round trip."""


@attrs.define
class _Discarded:
    """A message already answered with an error; ``handle_message`` ignores it (wrong version)."""

    jsonrpc: str = "discarded"


class TierwiseProtocol(LanguageServerProtocol):
    cancel_hook: Callable[[Hashable], bool] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._methods: dict[Any, str] = {}  # request id -> method, while the request is handled

    def structure_message(self, data: dict[str, Any]) -> Any:
        fast = data.get("method") == types.TEXT_DOCUMENT_CODE_ACTION and "id" in data
        if fast and code_actions.valid_params(data.get("params")):  # the handler reads plain JSON
            return JsonRPCRequestMessage(
                id=data["id"], method=data["method"], jsonrpc=data.get("jsonrpc", ""), params=data["params"]
            )
        try:
            return super().structure_message(data)
        except JsonRpcException as err:
            if "id" in data and "method" in data and "jsonrpc" in data:
                method = str(data.get("method"))
                cause = err.__cause__
                detail = _first_line(cause) if cause is not None else str(err)
                reply = JsonRpcInvalidParams(f"invalid params for {method}: {detail}")
                self._send_response(data["id"], error=reply.to_response_error())
                return _Discarded()
            raise

    def _send_response(self, msg_id: Any, result: Any | None = None, error: Any | None = None) -> None:
        if error is None and isinstance(result, RawJson):
            self._send_data({"jsonrpc": self.VERSION, "id": msg_id, "result": result})
            return
        super()._send_response(msg_id, result, error)

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        self._methods[msg_id] = method_name  # named in the one-line log of an expected error
        super()._handle_request(msg_id, method_name, params)
        if msg_id not in self._request_futures:  # answered already (synchronous handler, unknown method)
            self._methods.pop(msg_id, None)

    def _send_handler_result(self, future: Any, *, msg_id: Any) -> None:
        """An expected error — a ``JsonRpcException`` raised on purpose (bad arguments, unknown command, a request
        that cannot be carried out) — is answered and logged in one line; pygls would log a traceback for each.
        Anything else (an unexpected exception) keeps pygls' handling: an internal error with its traceback."""
        method = self._methods.pop(msg_id, None)
        error = None if future.cancelled() else future.exception()
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            self._request_futures.pop(msg_id, None)
            log.warning("%s request %s answered with error %s: %s", method or "a", msg_id, error.code, error.message)
            self._send_response(msg_id, error=error.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        hook = self.cancel_hook
        if hook is not None and hook(msg_id):
            log.info("request %s cancelled: cancelled the task it started", msg_id)
        super()._handle_cancel_notification(msg_id)


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    # cattrs class validation errors carry the useful detail in their sub-exceptions
    subs = getattr(err, "exceptions", None)
    if subs:
        text = f"{text}: " + "; ".join(_first_line(sub) for sub in subs[:3])
    return text.splitlines()[0][:500]


__all__ = ["RawJson", "TierwiseProtocol"]
