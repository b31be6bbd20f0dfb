import FabricCore
import Synchronization

/// Hands each cluster event to every subscription, and keeps what a new subscription starts
/// with: the latest membership event of every member not removed, and the nodes connected.
///
/// The set is built from the events themselves, under the same lock they are delivered under,
/// so a subscription's replay and its live events never overlap or leave a gap (reading the
/// transport's own view instead could replay a node whose `.up` was about to be delivered).
/// Delivery is a `yield` into each subscription's buffer, which never runs the subscriber's
/// code, so holding the lock for it is short and safe.
final class ClusterEventHub: Sendable {
    private typealias Continuation = AsyncThrowingStream<ClusterEvent, any Error>.Continuation

    private struct State {
        var connected: [NodeId: ClusterEvent] = [:]
        var membership: [NodeId: ClusterEvent] = [:]
        var subscribers: [UInt64: Continuation] = [:]
        var nextID: UInt64 = 0
        var isFinished = false
    }

    private let state = Mutex(State())
    private let bufferedMax: Int
    private let overflows = Atomic<UInt64>(0)

    init(bufferedMax: Int) {
        precondition(bufferedMax >= 1, "a cluster event subscription needs room for at least one event, got \(bufferedMax)")
        self.bufferedMax = bufferedMax
    }

    /// A new subscription and its id (for `finish(_:throwing:)`).
    func subscribe() -> (events: ClusterEvents, id: UInt64) {
        let (stream, id) = state.withLock { state -> (AsyncThrowingStream<ClusterEvent, any Error>, UInt64) in
            let replay = state.membership.values.sorted { $0.node < $1.node }
                + state.connected.values.sorted { $0.node < $1.node }
            let (stream, continuation) = AsyncThrowingStream.makeStream(
                of: ClusterEvent.self, throwing: (any Error).self,
                bufferingPolicy: .bufferingOldest(replay.count + bufferedMax))
            let id = state.nextID
            state.nextID += 1
            for event in replay { continuation.yield(event) }
            if state.isFinished {
                continuation.finish()
            } else {
                continuation.onTermination = { [weak self] _ in self?.remove(id) }
                state.subscribers[id] = continuation
            }
            return (stream, id)
        }
        return (ClusterEvents(stream: stream), id)
    }

    /// Delivers `event` to every subscription, in the order `publish` is called.
    func publish(_ event: ClusterEvent) {
        let overflowed = state.withLock { state -> [Continuation] in
            switch event.kind {
            case .connected: state.connected[event.node] = event
            case .disconnected, .restarted: state.connected[event.node] = nil
            case .removed: state.membership[event.node] = nil
            default:
                if state.membership.count < Limits.clusterEventReplayMembersMax || state.membership[event.node] != nil {
                    state.membership[event.node] = event
                }
            }
            var overflowed: [Continuation] = []
            for (id, continuation) in state.subscribers {
                if case .dropped = continuation.yield(event) {
                    state.subscribers[id] = nil
                    overflowed.append(continuation)
                }
            }
            return overflowed
        }
        // Finished outside the lock: finishing runs `onTermination`, which takes it.
        for continuation in overflowed {
            overflows.wrappingAdd(1, ordering: .relaxed)
            continuation.finish(throwing: FabricError.rejected(
                "a cluster event subscriber fell more than \(bufferedMax) events behind; subscribe again for a fresh view"))
        }
    }

    /// Ends subscription `id` with `error` after the events it holds (no-op once it ended).
    func finish(_ id: UInt64, throwing error: FabricError) {
        let continuation = state.withLock { $0.subscribers.removeValue(forKey: id) }
        continuation?.finish(throwing: error)
    }

    /// Ends every subscription, and every later one at once after its replay (the node stopped).
    func finishAll() {
        let continuations = state.withLock { state -> [Continuation] in
            state.isFinished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }

    private func remove(_ id: UInt64) {
        let continuation = state.withLock { $0.subscribers.removeValue(forKey: id) }
        _ = continuation  // released outside the lock
    }

    /// Subscriptions now open.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Subscriptions ended because their subscriber fell too far behind.
    var overflowCount: UInt64 { overflows.load(ordering: .relaxed) }
}
