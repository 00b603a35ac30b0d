import MoodModel
import MoodTestKit

extension SafeTensorsWriter {
    /// A writer that starts as a copy of `file` (its metadata and the tensors whose names `keeping`
    /// accepts, in name order): the shipped models with heads added, dropped or replaced.
    init(copying file: SafeTensors, keeping: (String) -> Bool = { _ in true }) {
        self.init(metadata: file.metadata)
        for name in file.entries.keys.sorted() where keeping(name) {
            tensors.append((name, file.entries[name]!.shape, file.floats(name)!))
        }
    }
}
