import Synchronization
import Testing
import FabricTestKit
@testable import Fabric
@testable import FabricActorSystem
import FabricReactor
import FabricTransport

@Suite(.serialized) struct ClusterEventTests {
    static func withCluster(
        _ names: [String] = ["a", "b"], configure: (inout FabricNodeConfiguration) -> Void = { _ in },
        _ body: (LocalCluster) async throws -> Void
    ) async throws {
        let cluster = try await LocalCluster.start(names: names, configure: configure)
        do {
            try await body(cluster)
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }

    /// A subscription made after the peers connected starts with `.connected` for each of them (the
    /// old `onPeerEvent` replay, kept), in name order, with their generations.
    @Test func aSubscriptionReplaysTheNodesConnectedNow() async throws {
        try await Self.withCluster(["a", "b", "c"]) { cluster in
            var iterator = cluster["a"].events.makeAsyncIterator()
            let first = try #require(try await iterator.next())
            let second = try #require(try await iterator.next())
            #expect([first.kind, second.kind] == [.connected, .connected])
            #expect([first.node.name, second.node.name] == ["b", "c"])
            #expect(first.generation == cluster["b"].generation)
            #expect(first.address == cluster["b"].advertisedAddress)
            #expect(second.previousGeneration == nil)
        }
    }

    /// After the replay, live events arrive in the order they happened: a node joins, then
    /// leaves.
    @Test func liveEventsFollowTheReplayInOrder() async throws {
        try await Self.withCluster { cluster in
            let events = cluster["a"].events
            var configuration = FabricNodeConfiguration(name: try NodeId("c"), listen: try NodeAddress(host: "127.0.0.1", port: 0))
            configuration.cluster = "test"
            configuration.loopCount = 1
            let c = try FabricNode(configuration)
            c.join(seeds: [try #require(cluster["a"].advertisedAddress)])
            try await cluster["a"].waitUntilConnected(to: NodeId("c"), timeout: .seconds(10))
            let generation = c.generation
            await c.leave()
            var seen: [ClusterEvent] = []
            for try await event in events {
                seen.append(event)
                if seen.count == 3 { break }
            }
            #expect(seen.map(\.kind) == [.connected, .connected, .disconnected])
            #expect(seen.map(\.node.name) == ["b", "c", "c"])
            #expect(seen[1].generation == generation && seen[2].generation == generation)
        }
    }

    /// Leaving the loop or cancelling the iterating task ends the subscription: the count of
    /// subscribers goes back to zero (it included the ended waits of `LocalCluster.start`).
    @Test func endingIterationOrCancellingRemovesTheSubscriber() async throws {
        try await Self.withCluster { cluster in
            let system = cluster["a"].system
            #expect(system.clusterEventSubscriberCount == 0)
            do {
                for try await _ in cluster["a"].events {
                    #expect(system.clusterEventSubscriberCount == 1)
                    break
                }
            }
            #expect(system.clusterEventSubscriberCount == 0)

            let started = TestGate()
            let task = Task {
                var count = 0
                for try await _ in cluster["a"].events {
                    count += 1
                    started.open()  // after the replay of b; then it waits for more
                }
                return count
            }
            await started.wait()
            #expect(system.clusterEventSubscriberCount == 1)
            task.cancel()
            #expect(try await task.value == 1)
            #expect(system.clusterEventSubscriberCount == 0)

            // A subscription nobody iterates holds its place until it is dropped.
            var unread: ClusterEvents? = cluster["a"].events
            #expect(system.clusterEventSubscriberCount == 1)
            _ = unread
            unread = nil
            #expect(system.clusterEventSubscriberCount == 0)
        }
    }

    /// A subscriber more than `clusterEventsBufferedMax` events behind gets what was buffered,
    /// then `rejected`; the overflow is counted and the subscription removed. Others go on.
    @Test func aSlowSubscriberPastTheBoundEndsWithRejected() async throws {
        try await Self.withCluster(configure: { $0.limits.clusterEventsBufferedMax = 2 }) { cluster in
            let system = cluster["a"].system
            let slow = cluster["a"].events  // replay: b
            let hub = system.clusterEventHub
            let x = try NodeId("x")
            hub.publish(ClusterEvent(kind: .connected, node: x, address: nil, generation: 1))
            hub.publish(ClusterEvent(kind: .disconnected, node: x, address: nil, generation: 1))
            #expect(system.clusterEventOverflowCount == 0)
            let late = cluster["a"].events  // replay: b (x is down again)
            hub.publish(ClusterEvent(kind: .restarted, node: x, address: nil, generation: 2, previousGeneration: 1))
            #expect(system.clusterEventOverflowCount == 1)
            #expect(system.clusterEventSubscriberCount == 1)

            var seen: [ClusterEvent.Kind] = []
            do {
                for try await event in slow { seen.append(event.kind) }
                Issue.record("expected the overflowed subscription to end with an error")
            } catch {
                #expect((error as? FabricError)?.code == .rejected)
            }
            #expect(seen == [.connected, .connected, .disconnected])

            var iterator = late.makeAsyncIterator()
            #expect(try await iterator.next()?.node == NodeId("b"))
            let restarted = try #require(try await iterator.next())
            #expect(restarted.kind == .restarted && restarted.previousGeneration == 1 && restarted.generation == 2)
        }
    }

    /// `waitUntilConnected` returns as soon as the node is up, at once when it is up already.
    @Test func waitUntilConnectedReturnsWhenTheNodeJoins() async throws {
        try await Self.withCluster { cluster in
            try await cluster["a"].waitUntilConnected(to: NodeId("b"), timeout: .seconds(10))
            var configuration = FabricNodeConfiguration.client(name: try NodeId("c"))
            configuration.cluster = "test"
            configuration.loopCount = 1
            let waiting = Task { try await cluster["b"].waitUntilConnected(to: NodeId("c"), timeout: .seconds(10)) }
            let c = try FabricNode(configuration)
            c.join(seeds: [try #require(cluster["b"].advertisedAddress)])
            try await waiting.value
            #expect(cluster["b"].connectedPeers.contains { $0.name.name == "c" })
            await c.leave()
            #expect(cluster["b"].system.clusterEventSubscriberCount == 0)
        }
    }

    /// Waiting for a node that never comes fails with `timeout` when the node's clock reaches
    /// the timeout, not before.
    @Test func waitUntilConnectedTimesOutOnTheNodesClock() async throws {
        let clock = ManualClock()
        var configuration = FabricNodeConfiguration.client(name: try NodeId("a"))
        configuration.loopCount = 1
        configuration.clock = clock
        let node = try FabricNode(configuration)
        let loop = node.system.group.loops[0]
        let outcome = Mutex<FabricError?>(nil)
        let waiting = Task(executorPreference: loop) {
            do throws(FabricError) {
                try await node.waitUntilConnected(to: NodeId("nobody"), timeout: .seconds(1))
            } catch {
                outcome.withLock { $0 = error }
            }
        }
        await afterDueTimers(on: loop)  // the timer is armed
        clock.advance(by: .milliseconds(999))
        await afterDueTimers(on: loop)
        #expect(outcome.withLock { $0 } == nil)
        clock.advance(by: .milliseconds(1))
        await waiting.value
        #expect(outcome.withLock { $0?.code } == .timeout)
        #expect(node.system.clusterEventSubscriberCount == 0)
        await node.leave()
    }

    /// A node that stops ends its subscriptions (without an error).
    @Test func stoppingTheNodeEndsItsSubscriptions() async throws {
        var configuration = FabricNodeConfiguration.client(name: try NodeId("a"))
        configuration.loopCount = 1
        let node = try FabricNode(configuration)
        let events = node.events
        await node.leave()
        var count = 0
        for try await _ in events { count += 1 }
        #expect(count == 0)
        #expect(node.system.clusterEventSubscriberCount == 0)
    }
}
