"""Where each thing of a call or conversation lives in the call-state store.

Calls, text conversations and agent legs have key spaces of their own (a CallSid equal to some
MessageSid can no longer meet it). Every key of one call or conversation carries the same Redis
Cluster hash tag (the part in braces), so one pipeline, or one script, finds them on one node.
"""

from __future__ import annotations

from dataclasses import dataclass


def _tag(identity: str) -> str:
    """The identity as a hash tag; braces inside it would end the tag early, so they are replaced."""
    return "{" + identity.replace("{", "(").replace("}", ")") + "}"


@dataclass(frozen=True)
class Keys:
    namespace: str

    # -- a voice call, by its CallSid ----------------------------------------------------------

    def call(self, call_sid: str) -> str:
        return f"{self.namespace}:call:{_tag(call_sid)}"

    def call_claim(self, call_sid: str, step: int, taker: str = "turn") -> str:
        """Who handles step N of a call: the first request ("turn"), or once the fallback ("fallback")."""
        return f"{self.call(call_sid)}:{taker}:{step}"

    # -- a text conversation, by its channel and sender ("whatsapp:+62...") ----------------------

    def chat(self, address: str) -> str:
        return f"{self.namespace}:chat:{_tag(address)}"

    def chat_lock(self, address: str) -> str:
        """Held while one message of the conversation is handled; the next one waits for it."""
        return f"{self.chat(address)}:lock"

    def chat_message(self, address: str, message_sid: str) -> str:
        """Marks a MessageSid as seen, then keeps its reply for Twilio's retries."""
        return f"{self.chat(address)}:message:{message_sid}"

    def chat_rate(self, address: str, window: int) -> str:
        return f"{self.chat(address)}:rate:{window}"

    # -- an agent's leg, by its CallSid ----------------------------------------------------------

    def agent(self, agent_call_sid: str) -> str:
        return f"{self.namespace}:agent:{_tag(agent_call_sid)}"

    # -- an agent user, by their user id -----------------------------------------------------------

    def agent_user(self, user_id: int) -> str:
        """The caller the agent has in hand (ivr/queues/in_hand.py), for the console's screen pop."""
        return f"{self.namespace}:agent-user:{_tag(str(user_id))}"
