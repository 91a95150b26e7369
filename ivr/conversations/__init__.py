"""The conversation core: one turn of any call or text conversation, whatever the channel.

`core.ConversationCore` runs a turn (state in, engine, one transaction, state out); `model`
is what a conversation keeps between webhooks; `keys` names where it lives in the store.
"""
