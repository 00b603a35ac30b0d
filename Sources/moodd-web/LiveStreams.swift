import MoodWeb
import ServiceLifecycle

/// Keeps the pages' event streams alive (a comment every 15 s) and ends them when moodd-web stops,
/// before the server waits for its open requests (a stream would otherwise never end).
struct LiveStreams: Service {
    let hub: LiveHub
    let link: DaemonLink

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(15))
                hub.keepAlive()
            }
        }
        link.stop()
        hub.finishAll()
    }
}
