import FabricCore
import Testing
@testable import RaftCore

/// Random runs of several cores over a network that delays, drops, duplicates and reorders
/// messages, partitions nodes and crashes and restarts them from what they persisted, checking Raft's safety properties (Figure 3) after every step:
/// election safety, log matching, leader completeness, state-machine safety, and that no commit
/// index ever decreases. A failure prints the seed that replays it.
@Suite struct RaftSafetyPropertyTests {
    struct Run {
        var cluster = RaftTestCluster()
        var random: SeededRandom
        var leaders: [RaftTerm: NodeId] = [:]
        var committed: [RaftIndex: RaftEntry] = [:]
        var lastCommit: [NodeId: RaftIndex] = [:]
        var proposals = 0
        var failures: [String] = []

        var changesMembership = false

        /// `nodes` voters; with `spares`, that many more nodes start outside the group (they
        /// join when a membership change adds them).
        init(seed: UInt64, nodes: Int, spares: Int = 0, preVote: Bool = true, checkQuorum: Bool = true) {
            random = SeededRandom(seed: seed)
            changesMembership = spares > 0
            let ids = (1...(nodes + spares)).map { String($0) }
            let membership = RaftMembership(voters: Set(ids.prefix(nodes).map(node)))
            for id in ids {
                // Spares start with the group's bootstrap membership, as a joining node must (the
                // log replays membership changes onto it); they vote only once a change adds them.
                cluster.add(id, membership: membership) { configuration in
                    configuration.randomSeed = seed &+ UInt64(id)!
                    configuration.preVote = preVote
                    configuration.checkQuorum = checkQuorum
                    configuration.inflightAppendsMax = 4
                    configuration.entriesPerAppendMax = 3
                }
            }
        }

        mutating func step() {
            let roll = Int.random(in: 0..<100, using: &random)
            let id = cluster.order.randomElement(using: &random)!
            switch roll {
            case 0..<30:
                cluster.cores[id]!.tick()
            case 30..<55:
                if !cluster.inFlight.isEmpty {
                    // Any queued message, not only the oldest: reordering.
                    let message = cluster.inFlight.remove(at: Int.random(in: 0..<cluster.inFlight.count, using: &random))
                    cluster.deliver(message)
                }
            case 55..<60:
                if !cluster.inFlight.isEmpty { cluster.inFlight.remove(at: Int.random(in: 0..<cluster.inFlight.count, using: &random)) }
            case 60..<63:
                if let message = cluster.inFlight.randomElement(using: &random) { cluster.inFlight.append(message) }
            case 63..<83:
                cluster.processReady(id)
            case 88..<93 where changesMembership:
                proposeMembershipChange(at: id)
            case 83..<93:
                if cluster.cores[id]!.role == .leader {
                    proposals += 1
                    try? cluster.cores[id]!.propose(Array("p\(proposals)".utf8))
                }
            case 93..<95:
                let isolated = cluster.order.randomElement(using: &random)!
                cluster.groups = [[isolated], Set(cluster.order).subtracting([isolated])]
            case 95..<97:
                cluster.groups = nil
            case 97..<98:
                if Int.random(in: 0..<3, using: &random) == 0 { restart(id) }
            default:
                if cluster.cores[id]!.appliedIndex > cluster.cores[id]!.firstIndex + 5 {
                    let data = Array(cluster.stateMachines[id]!.joined(separator: ",").utf8)
                    try? cluster.cores[id]!.compactLog(snapshotData: data)
                }
            }
            check()
        }

        mutating func proposeMembershipChange(at id: NodeId) {
            guard cluster.cores[id]!.role == .leader else { return }
            let membership = cluster.cores[id]!.membership
            let target = cluster.order.randomElement(using: &random)!
            let change: RaftMemberChange
            if membership.voters.contains(target) {
                guard membership.voters.count > 1 else { return }
                change = .remove(target)
            } else {
                change = Bool.random(using: &random) ? .addVoter(target) : .addLearner(target)
            }
            if (try? cluster.cores[id]!.proposeConfigurationChange([change])) != nil { membershipChanges += 1 }
        }

        var membershipChanges = 0
        var restarts = 0

        /// A crash and restart: the node comes back from what it persisted (its unpersisted
        /// entries, hard state and unsent messages are lost; messages in the network stay).
        mutating func restart(_ id: NodeId) {
            let core = cluster.cores[id]!
            cluster.cores[id] = RaftCore(configuration: core.configuration, storage: core.storage)
            lastCommit[id] = cluster.cores[id]!.committedIndex
            let snapshot = core.storage.snapshot
            let text = String(decoding: snapshot.data, as: UTF8.self)
            cluster.stateMachines[id] = text.isEmpty ? [] : text.split(separator: ",").map(String.init)
            restarts += 1
        }

        mutating func check() {
            for id in cluster.order {
                let core = cluster.cores[id]!
                // Election safety: at most one leader per term.
                if core.role == .leader {
                    if let other = leaders[core.term], other != id {
                        failures.append("two leaders in term \(core.term): \(other) and \(id)")
                    }
                    leaders[core.term] = id
                    // Leader completeness: a leader holds every committed entry (or compacted it).
                    for (index, entry) in committed where index >= core.firstIndex {
                        if core.term(at: index) != entry.term {
                            failures.append("leader \(id) of term \(core.term) lacks committed \(entry.term)/\(index)")
                        }
                    }
                }
                // Commit index never decreases.
                if core.committedIndex < lastCommit[id] ?? 0 {
                    failures.append("\(id) commit went back from \(lastCommit[id]!) to \(core.committedIndex)")
                }
                lastCommit[id] = core.committedIndex
                // State-machine safety: no two nodes apply different entries at one index.
                for (index, entry) in cluster.appliedEntries[id]! {
                    if let known = committed[index], known != entry {
                        failures.append("\(id) applied \(describe(entry)) where another applied \(describe(known))")
                    }
                    committed[index] = entry
                }
            }
            checkLogMatching()
        }

        /// Log matching: two logs with the same term at an index are identical up to it.
        mutating func checkLogMatching() {
            for (position, first) in cluster.order.enumerated() {
                for second in cluster.order[(position + 1)...] {
                    let a = cluster.cores[first]!
                    let b = cluster.cores[second]!
                    let low = max(a.firstIndex, b.firstIndex)
                    var high = min(a.lastIndex, b.lastIndex)
                    while high >= low, a.term(at: high) != b.term(at: high) { high -= 1 }
                    guard high >= low, let left = try? a.entries(from: low), let right = try? b.entries(from: low) else { continue }
                    let count = Int(high - low + 1)
                    if Array(left.prefix(count)) != Array(right.prefix(count)) {
                        failures.append("logs of \(first) and \(second) agree at \(high) but differ before it")
                    }
                }
            }
        }
    }

    /// The same checks with plain Raft elections (no pre-vote, no check-quorum).
    @Test func safetyHoldsWithoutPreVoteOrCheckQuorum() {
        var totalCommitted = 0
        for seed in UInt64(1)...20 {
            let runSeed = seed &* 15_485_863
            var run = Run(seed: runSeed, nodes: 3, preVote: false, checkQuorum: false)
            for _ in 0..<3000 {
                run.step()
                if !run.failures.isEmpty { break }
            }
            #expect(run.failures.isEmpty, "seed \(runSeed) (plain elections): \(run.failures.prefix(3))")
            if !run.failures.isEmpty { return }
            totalCommitted += run.committed.count
        }
        #expect(totalCommitted > 100, "only \(totalCommitted) entries committed")
    }

    /// The same checks while the leader adds and removes voters and learners (joint consensus).
    @Test func safetyHoldsThroughMembershipChanges() {
        var totalCommitted = 0
        var changes = 0
        for seed in UInt64(1)...30 {
            let runSeed = seed &* 104_729
            var run = Run(seed: runSeed, nodes: 3, spares: 2)
            for _ in 0..<3000 {
                run.step()
                if !run.failures.isEmpty { break }
            }
            #expect(run.failures.isEmpty, "seed \(runSeed) (membership changes): \(run.failures.prefix(3))")
            if !run.failures.isEmpty { return }
            totalCommitted += run.committed.count
            changes += run.membershipChanges
        }
        #expect(totalCommitted > 100 && changes > 10, "\(totalCommitted) entries committed, \(changes) changes proposed")
    }

    @Test(arguments: [3, 5])
    func safetyHoldsUnderFaults(nodes: Int) {
        var totalCommitted = 0
        var totalRestarts = 0
        for seed in UInt64(1)...30 {
            var run = Run(seed: seed &* 7919 &+ UInt64(nodes), nodes: nodes)
            for _ in 0..<3000 {
                run.step()
                if !run.failures.isEmpty { break }
            }
            #expect(run.failures.isEmpty, "seed \(seed &* 7919 &+ UInt64(nodes)) nodes \(nodes): \(run.failures.prefix(3))")
            if !run.failures.isEmpty { return }
            totalCommitted += run.committed.count
            totalRestarts += run.restarts
            // Correct peers never send a message that a node must refuse.
            let refused = run.cluster.cores.values.map(\.counters.refusedMessages).reduce(0, +)
            #expect(refused == 0, "seed \(seed &* 7919 &+ UInt64(nodes)): \(refused) messages refused")
        }
        // The runs must make progress, or the checks above prove nothing.
        #expect(totalCommitted > 100, "only \(totalCommitted) entries committed over 30 runs")
        #expect(totalRestarts > 30, "only \(totalRestarts) restarts")
    }
}
