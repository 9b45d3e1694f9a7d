"""Messages an account sends on its own: customer-service, template and subscribe (reference §4.2–4.4)."""

from __future__ import annotations

from typing import Any

from wxmall.wechat.services.base import Service


class MessageService(Service):
    def send_custom(self, body: dict[str, Any]) -> None:
        """`POST /cgi-bin/message/custom/send`: only within 48 h of the user's last interaction (45015)."""
        self._client.post("/cgi-bin/message/custom/send", api="message.custom_send", json=body)

    def send_text(self, openid: str, content: str) -> None:
        self.send_custom({"touser": openid, "msgtype": "text", "text": {"content": content}})

    def send_template(self, body: dict[str, Any]) -> int:
        """`POST /cgi-bin/message/template/send`; returns WeChat's msgid. Pass `client_msg_id` to make a
        resend harmless."""
        return int(
            self._client.post("/cgi-bin/message/template/send", api="message.template_send", json=body)[
                "msgid"
            ]
        )

    def send_mass(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /cgi-bin/message/mass/sendall` (群发 to a tag or everyone): `{"msg_id", "msg_data_id"?}`.
        Pass `clientmsgid`: a resend then answers 45065 instead of sending twice."""
        data = self._client.post("/cgi-bin/message/mass/sendall", api="message.mass_sendall", json=body)
        return {k: data[k] for k in ("msg_id", "msg_data_id") if k in data}

    def send_subscribe(self, body: dict[str, Any]) -> int | None:
        """`POST /cgi-bin/message/subscribe/send` (Mini Program): one message per granted subscription."""
        data = self._client.post("/cgi-bin/message/subscribe/send", api="message.subscribe_send", json=body)
        return data.get("msgid")
