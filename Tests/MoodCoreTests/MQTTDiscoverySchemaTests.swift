import MoodCore
import Testing

/// moodd's Home Assistant discovery configs against Home Assistant's documented MQTT discovery schema:
/// - https://www.home-assistant.io/integrations/mqtt/ (discovery topic `<prefix>/<component>/[<node_id>/]<object_id>/config`,
///   ids `[a-zA-Z0-9_-]`, the abbreviations, the `device` mapping with `identifiers` or `connections`);
/// - https://www.home-assistant.io/integrations/sensor.mqtt/ (`state_topic` required; `device_class: enum` takes
///   `options` and then no `state_class` or `unit_of_measurement`; `state_class` one of measurement,
///   measurement_angle, total, total_increasing);
/// - https://www.home-assistant.io/integrations/binary_sensor.mqtt/ (`payload_on`, `payload_off`);
/// - `object_id` was deprecated in Home Assistant 2025.10 for `default_entity_id` (a whole entity id,
///   `sensor.xxx`) and stopped working in 2026.4: home-assistant/core#151775, home-assistant/home-assistant.io#43917.
/// Keys Home Assistant does not know are dropped by it without a word, so a misspelt key is a silent bug: every
/// key must be one the schema names.
@Suite struct MQTTDiscoverySchemaTests {
    /// Options every MQTT entity takes (the availability, device, entity and read-only state options).
    static let common: Set<String> = [
        "availability", "availability_mode", "availability_template", "availability_topic", "default_entity_id",
        "device", "enabled_by_default", "encoding", "entity_category", "entity_picture", "expire_after", "force_update",
        "icon", "json_attributes_template", "json_attributes_topic", "name", "origin", "payload_available",
        "payload_not_available", "platform", "qos", "state_topic", "unique_id", "value_template",
    ]
    static let known: [String: Set<String>] = [
        "sensor": common.union(["device_class", "last_reset_value_template", "options", "state_class",
                                "suggested_display_precision", "unit_of_measurement"]),
        "binary_sensor": common.union(["device_class", "off_delay", "payload_off", "payload_on"]),
    ]
    static let deviceKeys: Set<String> = [
        "configuration_url", "connections", "hw_version", "identifiers", "manufacturer", "model", "model_id", "name",
        "serial_number", "suggested_area", "sw_version", "via_device",
    ]
    /// The abbreviations (the discovery page's list) of the keys above, expanded before checking.
    static let abbreviations: [String: String] = [
        "avty": "availability", "avty_mode": "availability_mode", "avty_tpl": "availability_template",
        "avty_t": "availability_topic", "def_ent_id": "default_entity_id", "dev": "device", "dev_cla": "device_class",
        "en": "enabled_by_default", "e": "encoding", "ent_cat": "entity_category", "ent_pic": "entity_picture",
        "exp_aft": "expire_after", "frc_upd": "force_update", "ic": "icon", "json_attr_tpl": "json_attributes_template",
        "json_attr_t": "json_attributes_topic", "lrst_val_tpl": "last_reset_value_template", "off_dly": "off_delay",
        "o": "origin", "ops": "options", "pl_avail": "payload_available", "pl_not_avail": "payload_not_available",
        "pl_off": "payload_off", "pl_on": "payload_on", "p": "platform", "stat_cla": "state_class", "stat_t": "state_topic",
        "sug_dsp_prc": "suggested_display_precision", "uniq_id": "unique_id", "unit_of_meas": "unit_of_measurement",
        "val_tpl": "value_template",
        "cu": "configuration_url", "cns": "connections", "hw": "hw_version", "ids": "identifiers", "mf": "manufacturer",
        "mdl": "model", "mdl_id": "model_id", "sn": "serial_number", "sa": "suggested_area", "sw": "sw_version", "via_device": "via_device",
    ]
    static let stateClasses: Set<String> = ["measurement", "measurement_angle", "total", "total_increasing"]

    /// `[a-z0-9_]`, neither starting nor ending with `_`, no `__`: Home Assistant's `valid_entity_id`, each side of the dot.
    static func isEntityID(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
                && part.first != "_" && part.last != "_" && !part.contains("__")
        }
    }

    static func isID(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// `{{ value_json.key }}`: the key read from the state message, or nil if the template is not of that form.
    static func valueJSONKey(_ template: String) -> String? {
        let prefix = "{{ value_json.", suffix = " }}"
        guard template.hasPrefix(prefix), template.hasSuffix(suffix) else { return nil }
        let key = template.dropFirst(prefix.count).dropLast(suffix.count)
        return !key.isEmpty && key.allSatisfy({ $0.isASCII && ($0.isLowercase || $0 == "_") }) ? String(key) : nil
    }

    static func expand(_ members: [JSONValue.Member]) -> [String: JSONValue] {
        Dictionary(members.map { (abbreviations[$0.key] ?? $0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every discovery config moodd publishes for `station`, checked; returns the unique ids.
    @discardableResult
    static func check(station: String, labels: [String] = ["happy", "angry", "sad", "relaxed"]) throws -> [String] {
        let settings = MQTTPlan.Settings(topic: "moodd/x", discoveryPrefix: "homeassistant", publishInterval: 10,
                                         station: station, labels: labels, version: "0.1.0")
        var plan = MQTTPlan(settings)
        let states: [MoodEvent.Snapshot] = [MQTTPlanTests.snapshot(.label("happy")), MQTTPlanTests.snapshot(.listening, valence: nil),
                                            MQTTPlanTests.snapshot(.silence, valence: nil)]
        let stateObjects = try states.map { try JSONValue.parse(plan.stateMessage($0).payload) }
        let configs = plan.connected(state: states[0], now: 0).filter { $0.topic.hasPrefix("homeassistant/") }
        #expect(configs.count == 5)
        var uniqueIDs: [String] = []
        for message in configs {
            #expect(message.retain, "\(message.topic)")
            let parts = message.topic.split(separator: "/", omittingEmptySubsequences: false)
            try #require(parts.count == 4 || parts.count == 5, "\(message.topic)")
            #expect(parts.first == "homeassistant" && parts.last == "config", "\(message.topic)")
            let component = String(parts[1])
            let schema = try #require(known[component], "component \(component)")
            #expect(parts.dropFirst(2).dropLast().allSatisfy(isID), "node and object ids in \(message.topic)")

            guard case .object(let members) = try JSONValue.parse(message.payload) else {
                Issue.record("not a JSON object: \(message.payload)")
                continue
            }
            let config = expand(members)
            #expect(Set(config.keys).subtracting(schema).isEmpty, "\(message.topic): keys the schema does not know: \(Set(config.keys).subtracting(schema).sorted())")
            // Required, and of the right type.
            let stateTopic = try #require(config["state_topic"]?.stringValue, "\(message.topic): state_topic")
            #expect(stateTopic == plan.stateTopic)
            let uniqueID = try #require(config["unique_id"]?.stringValue)
            uniqueIDs.append(uniqueID)
            #expect(config["name"]?.stringValue?.isEmpty == false)
            for key in ["availability_topic", "payload_available", "payload_not_available", "icon", "device_class", "state_class",
                        "unit_of_measurement", "value_template", "payload_on", "payload_off"] {
                if let value = config[key] { #expect(value.stringValue != nil, "\(message.topic): \(key) is not a string") }
            }
            #expect(config["availability_topic"]?.stringValue == plan.availabilityTopic)
            #expect(config["payload_available"]?.stringValue == "online" && config["payload_not_available"]?.stringValue == "offline")
            #expect(config["availability"] == nil, "availability and availability_topic are exclusive")
            if let icon = config["icon"]?.stringValue { #expect(icon.hasPrefix("mdi:")) }
            if let entityID = config["default_entity_id"]?.stringValue {
                #expect(isEntityID(entityID) && entityID.hasPrefix(component + "."), "\(message.topic): default_entity_id \(entityID)")
            }

            // The device: identifiers (a list of strings), every key known.
            guard case .object(let deviceMembers)? = config["device"] else {
                Issue.record("\(message.topic): no device object")
                continue
            }
            let device = expand(deviceMembers)
            #expect(Set(device.keys).subtracting(deviceKeys).isEmpty, "device keys: \(device.keys.sorted())")
            let identifiers = try #require(device["identifiers"]?.arrayValue)
            #expect(!identifiers.isEmpty && identifiers.allSatisfy { $0.stringValue != nil })
            for key in ["name", "manufacturer", "model", "sw_version"] {
                if let value = device[key] { #expect(value.stringValue != nil, "device \(key)") }
            }

            // The template reads a key the state message has; what it renders is a state the entity accepts.
            let template = try #require(config["value_template"]?.stringValue)
            let key = try #require(valueJSONKey(template), "value_template \(template)")
            for state in stateObjects {
                let value = try #require(state[key], "the state has no \(key): \(state)")
                switch (component, config["device_class"]?.stringValue) {
                case ("binary_sensor", _):
                    let on = config["payload_on"]?.stringValue ?? "ON", off = config["payload_off"]?.stringValue ?? "OFF"
                    #expect(value.stringValue == on || value.stringValue == off, "\(key) = \(value)")
                case ("sensor", "enum"?):
                    let listed = config["options"]?.arrayValue?.compactMap { $0.stringValue }
                    let options = try #require(listed, "an enum needs options")
                    #expect(!options.isEmpty && Set(options).count == options.count)
                    #expect(options.contains(value.stringValue ?? "-"), "\(key) = \(value) not in \(options)")
                    #expect(config["state_class"] == nil && config["unit_of_measurement"] == nil, "an enum has no state_class or unit")
                case ("sensor", _):
                    #expect(config["options"] == nil, "options without device_class enum")
                    if let stateClass = config["state_class"]?.stringValue {
                        #expect(stateClasses.contains(stateClass))
                        // A number, or null (rendered "None", which Home Assistant takes as unknown).
                        #expect(value.doubleValue != nil || value.isNull, "\(key) = \(value)")
                    }
                default:
                    Issue.record("\(component)")
                }
            }
        }
        #expect(Set(uniqueIDs).count == uniqueIDs.count, "unique ids: \(uniqueIDs)")
        return uniqueIDs
    }

    @Test(arguments: ["den", "den.local", "Den-PC", "studio_2", "ümlaut-box"])
    func everyDiscoveryConfigFollowsHomeAssistantsSchema(station: String) throws {
        try Self.check(station: station)
    }

    /// Unique ids depend on the host name alone: the same after a restart, and not changed by this schema's fixes.
    @Test func uniqueIDsAreStable() throws {
        #expect(try Self.check(station: "den.local") == [
            "moodd_den_local_mood", "moodd_den_local_valence", "moodd_den_local_arousal", "moodd_den_local_confidence",
            "moodd_den_local_music",
        ])
        let again = try Self.check(station: "den.local")
        #expect(try Self.check(station: "den.local") == again)
    }

    /// `default_entity_id` replaced the deprecated `object_id` (gone in Home Assistant 2026.4): the entity ids
    /// docs/mqtt.md promises, `sensor.moodd_<host>_mood` ..., lower case even for a host name that is not.
    @Test func entityIDsAreSetWithDefaultEntityID() throws {
        let plan = MQTTPlan(.init(topic: "moodd/den", discoveryPrefix: "homeassistant", publishInterval: 10, station: "Den-PC",
                                  labels: ["happy"], version: "0.1.0"))
        let configs = try plan.discovery().map { try JSONValue.parse($0.payload) }
        #expect(configs.allSatisfy { $0["object_id"] == nil })
        #expect(configs.map { $0["default_entity_id"]?.stringValue } == [
            "sensor.moodd_den_pc_mood", "sensor.moodd_den_pc_valence", "sensor.moodd_den_pc_arousal", "sensor.moodd_den_pc_confidence",
            "binary_sensor.moodd_den_pc_music",
        ])
        #expect(configs.first?["unique_id"]?.stringValue == "moodd_Den-PC_mood")  // unchanged: existing entities keep their ids
    }

    /// A Home Assistant older than 2025.10 ignores `default_entity_id` and makes the entity id from the device's
    /// name and the entity's (`slugify("moodd den" + " " + "Mood")`): the names must give the same ids. (Seen with a
    /// real Home Assistant 2024.3, docs/mqtt.md: "Mood confidence" became `sensor.moodd_vm_mood_confidence`.)
    @Test func entityNamesGiveTheSameIDsAsDefaultEntityID() throws {
        let plan = MQTTPlan(.init(topic: "moodd/den", discoveryPrefix: "homeassistant", publishInterval: 10, station: "den",
                                  labels: ["happy"], version: "0.1.0"))
        for message in plan.discovery() {
            let config = try JSONValue.parse(message.payload)
            let component = try #require(message.topic.split(separator: "/").dropFirst().first)
            let device = try #require(config["device"]?["name"]?.stringValue)
            let name = try #require(config["name"]?.stringValue)
            #expect(config["default_entity_id"]?.stringValue == component + "." + MQTTPlan.entityIDSafe(device + " " + name))
        }
    }
}
