"""Names of the span attributes spot-otel sets beyond OTel's conventions.

The instrumentation writes them and the sink reads them; nothing else passes
between the two.  OTel semantic-convention names (``faas.*``, ``rpc.*``,
``aws.*``, ``messaging.*``, ``db.*``, ``cloud.*``) are used as written in the
conventions and are not repeated here, but for the few the sink needs.
"""

from __future__ import annotations

# The four SpotWrap fields a trigger reader fills, with their old meanings.
SPOT_CALLER = "spot.caller"
SPOT_EVENT_SOURCE = "spot.event_source"
SPOT_EVENT_OP = "spot.event_op"
SPOT_MESSAGE = "spot.message"
SPOT_SOURCE_IP = "spot.source_ip"

# Which trigger reader read the event ("s3", "sqs", "apigateway", ...).
SPOT_TRIGGER = "spot.trigger"

# How many records a batch trigger carried (any kind: S3 and DynamoDB Streams
# batches have no ``messaging.batch.message_count``).  Set only for batches.
SPOT_RECORD_COUNT = "spot.record_count"

# The invocation a span belongs to (set on SDK call spans; an invocation span
# carries ``faas.invocation_id``).
SPOT_INVOCATION_ID = "spot.invocation_id"

# Encoded :class:`spot_otel.links.Link` values (tuples of strings).
SPOT_LINKS_IN = "spot.links.in"
SPOT_LINKS_OUT = "spot.links.out"

# What an SDK call acted on, for the SpotWrap ``message`` of its record:
# a table, ``bucket/key``, a topic or queue, a function name.
SPOT_TARGET = "spot.target"

# Marks the invocation span, so processors can tell it apart cheaply.
SPOT_ROLE = "spot.role"
ROLE_INVOCATION = "invocation"
ROLE_SDK_CALL = "sdk_call"

# OTel names the sink reads.
FAAS_INVOCATION_ID = "faas.invocation_id"
FAAS_NAME = "faas.name"
FAAS_TRIGGER = "faas.trigger"
FAAS_COLDSTART = "faas.coldstart"
CLOUD_RESOURCE_ID = "cloud.resource_id"
CLOUD_ACCOUNT_ID = "cloud.account.id"
CLOUD_REGION = "cloud.region"
RPC_SERVICE = "rpc.service"
RPC_METHOD = "rpc.method"
