#!/bin/bash
command -v bash >/dev/null || { echo "bash is not on PATH"; exit 1; }
