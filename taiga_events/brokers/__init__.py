"""Broker engines the gateway consumes events from: interchangeable, one interface."""
