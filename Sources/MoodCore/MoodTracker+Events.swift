/// The events' view of the tracker: the `mood` event of each analysis and the `state`/`status`
/// snapshot. Probabilities, valence and arousal are null wherever no mood is claimed but `listening`
/// (silence, speech, noise); `raw` always carries what the mood head said.
extension MoodTracker {
    /// The `state` event / `status` reply body; the shell supplies what it alone knows.
    public func snapshot(time: Timestamp, source: MoodEvent.SourceStatus, counters: MoodEvent.Counters) -> MoodEvent.Snapshot {
        let p = probabilities
        let plane = p.flatMap { labels.plane($0) }
        return MoodEvent.Snapshot(
            time: time, label: state, confidence: confidence, probabilities: distribution(p),
            content: contentDistribution(contentProbabilities),
            valence: plane?.valence, arousal: plane?.arousal, since: since, source: source, counters: counters)
    }

    func mood(_ o: Observation) -> MoodEvent.Mood {
        let p = probabilities
        let plane = p.flatMap { labels.plane($0) }
        return MoodEvent.Mood(
            time: o.wallTime, label: state, confidence: confidence, probabilities: distribution(p),
            content: contentDistribution(contentProbabilities),
            raw: distribution(o.raw), valence: plane?.valence, arousal: plane?.arousal,
            levelDB: o.levelDB.isFinite ? o.levelDB : nil)
    }

    private func distribution(_ values: [Float]?) -> Distribution? {
        values.map { Distribution(labels: labels.names, values: $0) }
    }

    private func contentDistribution(_ values: [Float]?) -> Distribution? {
        values.map { Distribution(labels: ContentKind.labels, values: $0) }
    }
}
