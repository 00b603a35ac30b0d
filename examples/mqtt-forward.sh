#!/bin/sh
# Forward every moodd event line to MQTT (topic moodd/events; one message per line), e.g. for
# Home Assistant. Needs socat and mosquitto_pub (mosquitto-clients); set MQTT_HOST as needed.
socat -u "UNIX-CONNECT:${MOODD_SOCKET:-/run/moodd/moodd.sock}" - | mosquitto_pub -h "${MQTT_HOST:-localhost}" -t moodd/events -l
