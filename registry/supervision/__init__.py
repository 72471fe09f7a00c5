"""Supervision (监督考核): work queues, coverage, activity and the step deadlines."""
