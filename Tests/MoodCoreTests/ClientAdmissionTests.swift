import MoodCore
import Testing

@Suite struct ClientAdmissionTests {
    typealias C = ClientAdmission.Client

    @Test func admitsWhileThereIsRoomThenRefusesReaders() {
        let a = ClientAdmission(maxClients: 2, unreadTimeout: 10)
        #expect(a.admit([C(id: 1, stalledSince: 0)], now: 100) == .admit)
        // Full of readers (nothing outstanding, or a write in flight for less than the grace).
        #expect(a.admit([C(id: 1, stalledSince: nil), C(id: 2, stalledSince: 99.5)], now: 100) == .refuse)
    }

    @Test func theLongestStalledGivesItsPlaceUp() {
        let a = ClientAdmission(maxClients: 3, unreadTimeout: 0)
        let clients = [C(id: 1, stalledSince: nil), C(id: 2, stalledSince: 90), C(id: 3, stalledSince: 80)]
        #expect(a.admit(clients, now: 100) == .admitEvicting(id: 3, stalledFor: 20))
        // A tie goes to the older connection.
        #expect(a.admit([C(id: 5, stalledSince: 80), C(id: 4, stalledSince: 80), C(id: 6, stalledSince: nil)], now: 81)
            == .admitEvicting(id: 4, stalledFor: 1))
    }

    @Test func unreadTimeoutDisconnectsOldestStallFirst() {
        let a = ClientAdmission(maxClients: 32, unreadTimeout: 10)
        let clients = [C(id: 1, stalledSince: 95), C(id: 2, stalledSince: 85), C(id: 3, stalledSince: 90), C(id: 4, stalledSince: nil)]
        #expect(a.expired(clients, now: 100) == [2, 3])
        #expect(a.expired(clients, now: 99.99) == [2])
        #expect(ClientAdmission(maxClients: 32, unreadTimeout: 0).expired(clients, now: 1e9) == [])
    }

    @Test func rejectsNonsense() async {
        await #expect(processExitsWith: .failure) { _ = ClientAdmission(maxClients: 0, unreadTimeout: 1) }
        await #expect(processExitsWith: .failure) { _ = ClientAdmission(maxClients: 1, unreadTimeout: -1) }
    }
}

@Suite struct WriteProgressTests {
    @Test func stalledSinceTheLastCompletionWhileWritesAreOutstanding() {
        var p = WriteProgress()
        #expect(p.stalledSince == nil)
        p.wrote(at: 10)
        p.wrote(at: 11)
        #expect(p.stalledSince == 10)
        #expect(p.stalledFor(at: 13) == 3)
        p.completed(at: 12)  // the client took something: the clock restarts
        #expect(p.stalledSince == 12)
        p.completed(at: 12.001)
        #expect(p.stalledSince == nil)
        #expect(p.stalledFor(at: 50) == 0)
        p.completed(at: 13)  // a stray completion changes nothing
        #expect(p.outstanding == 0)
    }
}
