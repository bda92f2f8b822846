"""The HTTP API, compatible with OpenShift Lightspeed: query (whole and streamed),
conversations, feedback, identity, probes and metrics. Nothing else imports it."""
