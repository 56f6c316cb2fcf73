#!/bin/bash
test -s "$DCINSTALL_DATA/sleeper.out"
