"""Benchmark harness parts that belong to the lab: the floor app and the load driver.

Both speak only HTTP/WebSocket (no project imports), so they measure the
service from outside and can run in a process of their own.
"""
