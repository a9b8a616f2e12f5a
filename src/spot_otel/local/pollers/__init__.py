"""Event-source pollers: one thread per trigger, delivering AWS-shaped events.

* :mod:`.stream`: DynamoDB Streams (GetRecords), sync batches.
* :mod:`.queue`: SQS queues, sync batches, delete on success.
* :mod:`.notifications`: S3, SNS and EventBridge, each through a queue the
  runtime owns, one async invocation per object, message or event.

HTTP triggers are served, not polled: see :mod:`spot_otel.local.http_trigger`.
"""
