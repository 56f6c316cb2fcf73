#!/bin/bash
# Present when the marker file exists under the install root.
marker="${DCINSTALL_ROOT%/}/opt/dcinstall/.prereq-marker"
[ -f "$marker" ] || { echo "no $marker"; exit 1; }
