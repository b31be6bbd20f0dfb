import FabricCore
import Testing
@testable import RaftCore

/// Messages are untrusted: what breaks a bound or a rule is refused and counted, never trusted
/// and never a trap. Proposals are bounded by `Limits`; flow control bounds what is in flight.
@Suite struct RaftBoundsTests {
    @Test func malformedAndUnauthorisedMessagesAreRefusedAndCounted() {
        var core = makeCore("2", terms: [1])
        let tooMany = (0..<(Limits.raftEntriesPerAppendMax + 1)).map { entry(1, RaftIndex($0 + 2)) }
        let cases: [(RaftMessage, RaftRefusal)] = [
            (message("1", "3", term: 1, .heartbeat(commit: 0, readRound: 0)), .wrongRecipient),
            (message("2", "2", term: 1, .heartbeat(commit: 0, readRound: 0)), .wrongRecipient),
            (message("9", "2", term: 1, .vote(lastIndex: 0, lastTerm: 0, transfer: false)), .unknownSender),
            (message("1", "2", term: 1, .append(prevIndex: 1, prevTerm: 1, entries: tooMany, commit: 0)), .tooLarge),
            (message("1", "2", term: 1, .append(prevIndex: 1, prevTerm: 1, entries: [entry(1, 3)], commit: 0)), .malformed),
            (message("1", "2", term: 1, .append(prevIndex: 1, prevTerm: 1, entries: [entry(5, 2)], commit: 0)), .malformed),
            (message("1", "2", term: 1, .append(prevIndex: .max, prevTerm: 1, entries: [entry(1, 0)], commit: 0)), .malformed),
            (message("1", "2", term: 1, .append(prevIndex: 1, prevTerm: 3, entries: [], commit: 0)), .malformed),
            (message("1", "2", term: 1, .readIndex(context: Array(repeating: 0, count: Limits.raftReadContextBytesMax + 1))), .tooLarge),
        ]
        for (index, (bad, refusal)) in cases.enumerated() {
            #expect(core.step(bad) == .refused(refusal), "case \(index)")
            #expect(core.counters.refusedMessages == UInt64(index + 1))
        }
        #expect(core.lastIndex == 1 && core.term == 0, "nothing refused changed the log or the term")
        // A heartbeat claiming a commit index past the log is refused after the term is taken.
        #expect(core.step(message("1", "2", term: 1, .heartbeat(commit: 99, readRound: 0))) == .refused(.malformed))
        #expect(core.committedIndex == 0)
    }

    /// A leader refuses an append response claiming a match past its own log.
    @Test func leaderRefusesAcknowledgementsPastItsLog() {
        var core = makeLeader()
        #expect(core.step(message("2", "1", term: core.term, .appendResponse(index: 1_000, rejected: false, hintIndex: 0, hintTerm: 0))) == .refused(.malformed))
        #expect(core.committedIndex == 0)
    }

    /// A term far in the future is legal: the node follows it.
    @Test func aFarFutureTermIsFollowed() {
        var core = makeCore("2")
        #expect(core.step(message("1", "2", term: Limits.raftTermMax, .heartbeat(commit: 0, readRound: 0))) == .accepted)
        #expect(core.term == Limits.raftTermMax)
        // Past the bound it would overflow on a campaign: refused.
        #expect(core.step(message("1", "2", term: .max, .heartbeat(commit: 0, readRound: 0))) == .refused(.malformed))
        for _ in 0..<100 { core.tick() }
        #expect(core.term > Limits.raftTermMax, "campaigned without overflow")
    }

    @Test func proposalsAreBoundedByEntryAndUncommittedBytes() throws {
        var core = makeLeader()
        #expect(throws: RaftError.entryTooLarge(bytes: Limits.raftEntryBytesMax + 1)) {
            try core.propose(Array(repeating: 0, count: Limits.raftEntryBytesMax + 1))
        }
        let big = [UInt8](repeating: 1, count: Limits.raftEntryBytesMax)
        var accepted = 0
        while (try? core.propose(big)) != nil { accepted += 1 }
        #expect(accepted == Limits.raftUncommittedBytesMax / Limits.raftEntryBytesMax)
        #expect(throws: RaftError.uncommittedLimitReached) { try core.propose(big) }
        #expect(core.counters.refusedProposals == 3)
        var follower = makeCore("2")
        #expect(throws: RaftError.notLeader(leader: nil)) { try follower.propose([1]) }
    }

    /// Flow control: in the replicate state at most `inflightAppendsMax` appends are in flight;
    /// an acknowledgement frees room.
    @Test func inflightAppendsAreBounded() throws {
        var core = makeLeader { $0.inflightAppendsMax = 2 }
        core.step(message("2", "1", term: core.term, .appendResponse(index: 1, rejected: false, hintIndex: 0, hintTerm: 0)))
        drain(&core)
        #expect(core.progress(of: node("2"))?.state == .replicate)
        for value in 0..<5 { try core.propose([UInt8(value)]) }
        let toTwo = drain(&core).filter { $0.to == node("2") }
        #expect(toTwo.count == 2, "two appends in flight, then paused")
        core.step(message("2", "1", term: core.term, .appendResponse(index: 2, rejected: false, hintIndex: 0, hintTerm: 0)))
        #expect(drain(&core).filter { $0.to == node("2") }.count == 1)
    }

    /// Entries per append and bytes per append are bounded.
    @Test func appendMessagesAreBounded() throws {
        var core = makeLeader { $0.entriesPerAppendMax = 3 }
        for value in 0..<10 { try core.propose([UInt8(value)]) }
        drain(&core)
        core.step(message("3", "1", term: core.term, .appendResponse(index: 0, rejected: true, hintIndex: 0, hintTerm: 0)))
        let sent = drain(&core).filter { $0.to == node("3") }
        for message in sent {
            if case .append(_, _, let entries, _) = message.kind { #expect(entries.count <= 3) }
        }
        #expect(!sent.isEmpty)
    }

    /// Thesis §4.3: in a joint configuration decisions need a majority of both configurations.
    @Test func jointQuorumNeedsBothMajorities() {
        var membership = RaftMembership(voters: Set(["1", "2", "3"].map(node)))
        membership = try! membership.applying(RaftConfigurationChange(changes: [.addVoter(node("4")), .addVoter(node("5")), .remove(node("3"))])).get()
        #expect(membership.isJoint)
        let match: [String: RaftIndex] = ["1": 5, "2": 5, "3": 1, "4": 1, "5": 1]
        // Old (1,2,3) has a majority at 5; new (1,2,4,5) only at 1.
        #expect(membership.committedIndex { match[$0.name] ?? 0 } == 1)
        #expect(membership.voteResult([node("1"): true, node("2"): true]) == .pending)
        #expect(membership.voteResult([node("1"): true, node("2"): true, node("4"): true]) == .won)
        #expect(membership.voteResult([node("1"): true, node("4"): true, node("5"): true, node("2"): false, node("3"): false]) == .lost)
        // Leaving the joint configuration keeps the new voters only.
        let left = try! membership.applying(RaftConfigurationChange(changes: [])).get()
        #expect(left.voters == Set(["1", "2", "4", "5"].map(node)) && !left.isJoint)
        #expect(throws: RaftError.self) { try membership.applying(RaftConfigurationChange(changes: [.addVoter(node("6"))])).get() }
        #expect(throws: RaftError.self) { try left.applying(RaftConfigurationChange(changes: ["1", "2", "4", "5"].map { .remove(node($0)) })).get() }
    }

    /// Learners never count toward a quorum, and a learner never campaigns.
    @Test func learnersDoNotCount() {
        let membership = RaftMembership(voters: Set(["1", "2", "3"].map(node)), learners: [node("4"), node("5")])
        #expect(membership.committedIndex { ["4": 9, "5": 9, "1": 9][$0.name] ?? 0 } == 0)
        var learner = makeCore("4") { _ in }
        learner = RaftCore(configuration: RaftConfiguration(id: node("4"), randomSeed: 1), storage: MemoryRaftStorage(membership: membership))
        for _ in 0..<100 { learner.tick() }
        #expect(learner.role == .follower && learner.counters.campaigns == 0)
    }

    /// §7: a follower given a snapshot past its log replaces the log; one whose log has the
    /// snapshot's last entry keeps the entries after it.
    @Test func snapshotsReplaceOrTrimTheLog() {
        let membership = RaftMembership(voters: Set(["1", "2", "3"].map(node)))
        let snapshot = RaftSnapshot(metadata: RaftSnapshotMetadata(index: 5, term: 2, membership: membership), data: Array("state".utf8))
        var behind = makeCore("2", terms: [1, 1])
        behind.step(message("1", "2", term: 2, .snapshot(snapshot)))
        #expect(behind.lastIndex == 5 && behind.committedIndex == 5 && behind.firstIndex == 6)
        let ready = behind.ready()!
        #expect(ready.snapshot == snapshot && ready.committedEntries.isEmpty)
        behind.advance(ready)
        #expect(behind.appliedIndex == 5 && behind.storage.snapshot == snapshot)
        var ahead = makeCore("3", terms: [1, 2, 2, 2, 2, 2, 2])
        ahead.step(message("1", "3", term: 2, .snapshot(snapshot)))
        #expect(ahead.lastIndex == 7 && ahead.committedIndex == 5, "entries after the snapshot stay")
    }

    /// The compaction API: the log through the applied index is replaced by a snapshot.
    @Test func compactionKeepsOnlyEntriesAfterTheAppliedIndex() throws {
        var core = makeCore("2")
        core.step(message("1", "2", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [entry(1, 1), entry(1, 2), entry(1, 3)], commit: 2)))
        drain(&core)
        try core.compactLog(snapshotData: [7])
        #expect(core.firstIndex == 3)
        #expect(core.storage.snapshot.metadata.index == 2)
        #expect(core.term(at: 1) == nil && core.term(at: 2) == 1)
        #expect(throws: RaftError.compactionOutOfRange(index: 2)) { try core.compactLog(snapshotData: []) }
    }

    /// A read waits until the leader has committed an entry of its own term (thesis §6.4 step 1).
    @Test func readIndexWaitsForTheFirstCommitOfTheTerm() throws {
        var core = makeLeader()
        try core.readIndex(context: Array("r".utf8))
        #expect(!drain(&core).contains { if case .heartbeat(_, let round) = $0.kind { round > 0 } else { false } })
        core.step(message("2", "1", term: core.term, .appendResponse(index: 1, rejected: false, hintIndex: 0, hintTerm: 0)))
        let heartbeats = drain(&core).filter { if case .heartbeat(_, 1) = $0.kind { true } else { false } }
        #expect(heartbeats.count == 2)
        core.step(message("3", "1", term: core.term, .heartbeatResponse(readRound: 1)))
        #expect(core.ready()?.readStates == [RaftReadState(index: 1, context: Array("r".utf8))])
    }

    /// Thesis §6.4.1: a lease read is answered at once, except during a leadership transfer
    /// (the target's forced election ignores leases), when it needs a heartbeat round.
    @Test func leaseReadsAreImmediateExceptDuringATransfer() throws {
        var core = makeLeader { $0.checkQuorum = true; $0.readMode = .leaseBased }
        core.step(message("2", "1", term: core.term, .appendResponse(index: 1, rejected: false, hintIndex: 0, hintTerm: 0)))
        drain(&core)
        try core.readIndex(context: [1])
        #expect(core.ready()?.readStates == [RaftReadState(index: 1, context: [1])])
        drain(&core)
        try core.transferLeadership(to: node("3"))
        try core.readIndex(context: [2])
        #expect(core.ready()?.readStates.isEmpty == true)
        core.step(message("2", "1", term: core.term, .heartbeatResponse(readRound: 1)))
        #expect(core.ready()?.readStates == [RaftReadState(index: 1, context: [2])])
    }

    /// The shell's reports: an unreachable follower goes back to probing; a failed snapshot
    /// send lets the leader probe (and snapshot) again.
    @Test func unreachableAndSnapshotReportsResetFlowControl() throws {
        var core = makeLeader()
        core.step(message("2", "1", term: core.term, .appendResponse(index: 1, rejected: false, hintIndex: 0, hintTerm: 0)))
        #expect(core.progress(of: node("2"))?.state == .replicate)
        core.reportUnreachable(node("2"))
        #expect(core.progress(of: node("2"))?.state == .probe)
        drain(&core)
        try core.compactLog(snapshotData: Array("s".utf8))  // index 1 applied: the log now starts at 2
        // Node 3 never answered: it needs index 1, which is compacted, so it gets the snapshot.
        core.step(message("3", "1", term: core.term, .heartbeatResponse(readRound: 0)))
        let sent = drain(&core).filter { $0.to == node("3") }
        #expect(sent.contains { if case .snapshot(let snapshot) = $0.kind { snapshot.metadata.index == 1 } else { false } })
        #expect(core.progress(of: node("3"))?.state == .snapshot(pendingIndex: 1))
        core.reportSnapshot(to: node("3"), succeeded: false)
        #expect(core.progress(of: node("3"))?.state == .probe)
    }

    /// Thesis §3.10: a transfer not done within an election timeout is abandoned.
    @Test func leadershipTransferIsAbandonedAfterAnElectionTimeout() throws {
        var core = makeLeader()
        try core.transferLeadership(to: node("3"))
        #expect(throws: RaftError.transferInProgress) { try core.propose([1]) }
        #expect(throws: RaftError.invalidTransferTarget(node("1"))) { try core.transferLeadership(to: node("1")) }
        for _ in 0..<core.configuration.electionTick { core.tick() }
        #expect(core.transferee == nil)
        try core.propose([1])
    }

    /// The in-memory storage keeps what was persisted and replaces a conflicting suffix.
    @Test func memoryStorageReplacesSuffixesAndCompacts() throws {
        var storage = MemoryRaftStorage(membership: RaftMembership(voters: [node("1")]))
        storage.persisted(entries: [entry(1, 1), entry(1, 2), entry(1, 3)])
        storage.persisted(entries: [entry(2, 2)])
        #expect(storage.lastIndex == 2)
        #expect(try storage.term(at: 2) == 2)
        #expect(throws: RaftStorageError.unavailable) { try storage.term(at: 3) }
        storage.compact(to: RaftSnapshot(metadata: RaftSnapshotMetadata(index: 1, term: 1, membership: RaftMembership(voters: [node("1")])), data: []))
        #expect(storage.firstIndex == 2)
        #expect(throws: RaftStorageError.compacted) { try storage.entries(1..<3, bytesMax: .max) }
        #expect(try storage.entries(2..<3, bytesMax: 0).map(\.index) == [2], "at least one entry")
    }
}
