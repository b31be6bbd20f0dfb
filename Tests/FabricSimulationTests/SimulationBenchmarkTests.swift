import FabricCore
import FabricSimulation
import Foundation
import Testing

/// The engine at the membership goal's scale: 1,000 nodes × 300 protocol periods of a SWIM-shaped
/// toy (a probe a second with a 500 ms ack timeout and 3 indirect probes on a timeout; gossip to 3
/// random peers every 200 ms, as memberlist's LAN profile), 1 % loss, an invariant scanning every
/// node every simulated 100 ms. Not part of the normal run: set `FABRIC_SIM_BENCH=1` (and build
/// in release). It prints events per second; timing is never asserted.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FABRIC_SIM_BENCH"] != nil))
struct SimulationBenchmarkTests {
    struct Gossip { var about: UInt32; var incarnation: UInt32; var state: UInt8 }

    /// What a SWIM-like member sends: a probe, its ack, an indirect probe, or gossip, each carrying
    /// a few piggybacked updates inline.
    struct SwimMessage {
        enum Kind: UInt8 { case ping, ack, pingRequest, gossip }
        var kind: Kind
        var sequence: UInt32
        var target: Int32
        var origin: Int32
        var piggyback: (Gossip, Gossip, Gossip)
    }

    struct SwimShapedNode: SimulatedNode {
        typealias Message = SwimMessage
        typealias Event = Never
        let index: Int
        let count: Int
        let ids: [NodeId]
        var sequence: UInt32 = 0
        var nextProbe: Instant
        var nextGossip: Instant
        var ackDeadline: Instant?
        var probed = 0
        var acked = 0
        var indirect = 0

        var nextDeadline: Instant? { min(nextProbe, nextGossip, ackDeadline ?? nextGossip) }

        func message(_ kind: SwimMessage.Kind, target: Int, origin: Int) -> SwimMessage {
            let update = Gossip(about: UInt32(index), incarnation: sequence, state: 0)
            return SwimMessage(kind: kind, sequence: sequence, target: Int32(target), origin: Int32(origin), piggyback: (update, update, update))
        }

        func randomPeer(_ random: inout SeededRandom) -> Int {
            (index + 1 + Int(random.next() % UInt64(count - 1))) % count
        }

        mutating func start(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {}

        mutating func receive(_ message: Message, from sender: NodeId, now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
            switch message.kind {
            case .ping:
                outbox.send(self.message(.ack, target: Int(message.target), origin: Int(message.origin)), to: sender, bytes: 64)
            case .ack:
                if Int(message.origin) == index {
                    acked += 1
                    ackDeadline = nil
                } else {
                    outbox.send(message, to: ids[Int(message.origin)], bytes: 64)
                }
            case .pingRequest:
                outbox.send(self.message(.ping, target: Int(message.target), origin: Int(message.origin)), to: ids[Int(message.target)], bytes: 64)
            case .gossip:
                break
            }
        }

        mutating func wake(now: Instant, random: inout SeededRandom, outbox: inout Outbox) {
            if let deadline = ackDeadline, deadline <= now {
                ackDeadline = nil
                indirect += 1
                let target = randomPeer(&random)
                for _ in 0..<3 {
                    outbox.send(message(.pingRequest, target: target, origin: index), to: ids[randomPeer(&random)], bytes: 64)
                }
            }
            if nextProbe <= now {
                sequence += 1
                probed += 1
                outbox.send(message(.ping, target: index, origin: index), to: ids[randomPeer(&random)], bytes: 64)
                ackDeadline = now + .milliseconds(500)
                nextProbe = now + .seconds(1)
            }
            if nextGossip <= now {
                for _ in 0..<3 { outbox.send(message(.gossip, target: index, origin: index), to: ids[randomPeer(&random)], bytes: 96) }
                nextGossip = now + .milliseconds(200)
            }
        }
    }

    /// Scans every node (what a membership invariant does), every simulated 100 ms.
    struct EveryoneProbes: SimulationInvariant {
        typealias Node = SwimShapedNode
        let name = "everyone probes"
        let cadence = SimulationInvariantCadence.every(.milliseconds(100))
        func check(_ view: SimulationView<SwimShapedNode>) -> String? {
            var total = 0
            for index in view.nodeIDs.indices { total += view.node(at: index)?.probed ?? 0 }
            return total >= 0 ? nil : "impossible"
        }
    }

    @Test func thousandNodesThreeHundredPeriods() throws {
        let count = Int(ProcessInfo.processInfo.environment["FABRIC_SIM_BENCH_NODES"] ?? "") ?? 1000
        let ids = nodeNames(count)
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .microseconds(200), jitter: .microseconds(800), loss: 0.01)
        let simulation = Simulation(seed: 42, nodes: ids, configuration: configuration) { context in
            // Spread the members' phases over the first period, as real members start apart.
            let phase = Duration.nanoseconds(Int64(context.seed % 1_000_000_000))
            return SwimShapedNode(index: context.index, count: count, ids: ids, nextProbe: .zero + phase,
                                  nextGossip: .zero + phase / 5)
        }
        simulation.add(EveryoneProbes())
        let clock = ContinuousClock()
        let started = clock.now
        try simulation.run(for: .seconds(300))
        let wall = clock.now - started
        let figures = simulation.figures
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
        let rate = Double(figures.eventsProcessed) / seconds
        print("""
            {"bench":"simulation","nodes":\(count),"periods":300,"events":\(figures.eventsProcessed),\
            "messages_sent":\(figures.total.messagesSent),"messages_dropped":\(figures.total.messagesDropped),\
            "wall_s":\(String(format: "%.2f", seconds)),"events_per_s":\(Int(rate)),\
            "trace_hash":"\(String(simulation.traceHash, radix: 16))"}
            """)
        #expect(figures.eventsProcessed > 0)
    }
}
