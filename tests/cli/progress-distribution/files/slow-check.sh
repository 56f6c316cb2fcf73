#!/bin/bash
# Passes after a second.
sleep 1
