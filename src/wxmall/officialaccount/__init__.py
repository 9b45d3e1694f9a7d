"""The Official Account (服务号) side of the hub: message server, replies, notifications."""
