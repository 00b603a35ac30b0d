import MoodCore
import MoodLibrary

extension Track {
    /// What `moodd classify --json` says of the file, into the library's columns.
    mutating func fill(from mood: FileMood, seconds: Double) {
        let (label, confidence) = mood.verdict
        duration = seconds
        windows = mood.windows
        self.label = label
        self.confidence = Double(confidence)
        if let p = mood.probabilities {
            if let plane = mood.labels.plane(p) {
                valence = Double(plane.valence)
                arousal = Double(plane.arousal)
            }
            probabilities = JSONValue.object(zip(mood.labels.names, p).map { .init($0, .number(Double($1))) }).encoded()
        }
        if let fractions = mood.contentFractions {
            music = Double(fractions[0])
            content = JSONValue.object(zip(FileMood.kinds, fractions).map { .init($0, .number(Double($1))) }).encoded()
        }
    }
}
