import MoodCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_255_200_000, "2026-11-21T10:00:00.000Z"),
        (951_782_400_123, "2000-02-29T00:00:00.123Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func formatsAndParsesRFC3339(ms: Int64, text: String) {
        let t = Timestamp(millisecondsSinceEpoch: ms)
        #expect(t.rfc3339 == text)
        #expect(Timestamp(rfc3339: text) == t)
    }

    @Test func yearsOutsideRFC3339AreClamped() {
        #expect(Timestamp(millisecondsSinceEpoch: .max).rfc3339 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(millisecondsSinceEpoch: .min).rfc3339 == "0000-01-01T00:00:00.000Z")
    }

    @Test(arguments: [
        ("2026-11-21T10:00:00Z", Int64(1_795_255_200_000)),
        ("2026-11-21t10:00:00z", 1_795_255_200_000),
        ("2026-11-21T11:30:00.5+01:30", 1_795_255_200_500),
        ("2026-11-21T05:00:00.123456789-05:00", 1_795_255_200_123),
    ])
    func parsesOffsetsAndFractions(text: String, ms: Int64) {
        #expect(Timestamp(rfc3339: text)?.millisecondsSinceEpoch == ms)
    }

    @Test(arguments: ["", "2026-11-21", "2026-11-21T10:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                      "2026-11-21T24:00:00Z", "2026-11-21T10:00:60Z", "2026-11-21T10:00:00.Z", "2026-11-21T10:00:00Zx",
                      "2026-11-21T10:00:00+0100", "２026-11-21T10:00:00Z"])
    func rejectsMalformedTimes(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func secondsRoundDownToTheMillisecond() {
        #expect(Timestamp(secondsSinceEpoch: 1.2349).millisecondsSinceEpoch == 1234)
        #expect(Timestamp(secondsSinceEpoch: -0.0001).millisecondsSinceEpoch == -1)
        #expect(Timestamp(secondsSinceEpoch: .nan).millisecondsSinceEpoch == 0)
        #expect(Timestamp(millisecondsSinceEpoch: 1000).seconds(until: .init(millisecondsSinceEpoch: 2500)) == 1.5)
    }
}
