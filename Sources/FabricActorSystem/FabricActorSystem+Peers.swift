import Distributed
import FabricCore
import FabricReactor
import FabricTransport

/// Peer events from the transport, published as cluster events (`clusterEvents`).
extension FabricActorSystem {
    package func transportPeerUp(_ peer: RemotePeer) {
        clusterEventHub.publish(ClusterEvent(kind: .connected, node: peer.node, address: peer.address, generation: peer.generation))
    }

    package func transportPeerDown(_ node: NodeId, generation: UInt64, restarted: Bool) {
        if restarted {
            // The transport has recorded the new process already; its `.connected` follows.
            let current = transport.generation(of: node) ?? 0
            clusterEventHub.publish(ClusterEvent(
                kind: .restarted, node: node, address: nil, generation: current == generation ? 0 : current,
                previousGeneration: generation))
        } else {
            clusterEventHub.publish(ClusterEvent(kind: .disconnected, node: node, address: nil, generation: generation))
        }
    }

    /// A new subscription to this node's cluster events: first the latest membership event of every member
    /// and `.connected` for every node connected now, then every event from now on, in order (see `ClusterEvents`). Nothing is missed
    /// however early or late it is made: a node dials its seeds the moment it starts.
    ///
    /// ```swift
    /// for try await event in system.clusterEvents where event.kind == .disconnected {
    ///     print("\(event.node) went away")
    /// }
    /// ```
    public var clusterEvents: ClusterEvents { clusterEventHub.subscribe().events }

    /// Returns once `node` is connected (at once if it is now); throws `timeout` when it is not
    /// within `timeout` (on this node's clock), `cancelled` when the task is cancelled, and
    /// `shutdown` when this node stops first. Built on `clusterEvents`: nothing polls.
    public func waitUntilConnected(to node: NodeId, timeout: Duration) async throws(FabricError) {
        _ = try await waitForConnection(timeout: timeout, describing: "to \(node)") { $0 == node }
    }

    /// The first node a connection becomes ready to (the first already connected, if any):
    /// for a client, its entry node. Throws like `waitUntilConnected`.
    package func waitForFirstConnection(timeout: Duration) async throws(FabricError) -> NodeId {
        try await waitForConnection(timeout: timeout, describing: "to any node") { _ in true }
    }

    private func waitForConnection(
        timeout: Duration, describing what: String, _ matches: (NodeId) -> Bool
    ) async throws(FabricError) -> NodeId {
        let (events, id) = clusterEventHub.subscribe()
        let timer = SubscriptionTimer()
        let loop = group.loops[0]
        let hub = clusterEventHub
        let message = "\(self.node) not connected \(what) within \(timeout)"
        loop.execute {
            guard !timer.isDone else { return }
            timer.handle = loop.scheduleTimer(after: timeout) {
                hub.finish(id, throwing: FabricError.timeout(message))
            }
        }
        defer {
            loop.execute {
                timer.isDone = true
                timer.handle?.cancel()
            }
        }
        for try await event in events where event.kind == .connected && matches(event.node) { return event.node }
        if Task.isCancelled { throw FabricError(.cancelled, "waiting for a connection \(what) was cancelled") }
        throw FabricError(.shutdown, "\(self.node) stopped before it connected \(what)")
    }

    /// Ends every cluster event subscription (the node stopped).
    package func finishClusterEvents() {
        clusterEventHub.finishAll()
    }

    /// Cluster event subscriptions now open (tests check that ended ones go).
    package var clusterEventSubscriberCount: Int { clusterEventHub.subscriberCount }

    /// Subscriptions ended because their subscriber fell more than
    /// `Limits.clusterEventsBufferedMax` events behind.
    package var clusterEventOverflowCount: UInt64 { clusterEventHub.overflowCount }
}

/// The timeout timer of one `waitUntilConnected`, touched only on the loop it runs on.
private final class SubscriptionTimer: @unchecked Sendable {
    var handle: TimerHandle?
    var isDone = false
}
