import FabricCore
import Testing
@testable import RaftCore

/// A core named `id` in a group of `voters`, with `entries` (given as terms, from index 1)
/// already persisted and `hardState`.
func makeCore(_ id: String, voters: [String] = ["1", "2", "3"], terms: [RaftTerm] = [],
              hardState: RaftHardState = RaftHardState(), preVote: Bool = false, checkQuorum: Bool = false,
              configure: (inout RaftConfiguration) -> Void = { _ in }) -> RaftCore {
    var storage = MemoryRaftStorage(membership: RaftMembership(voters: Set(voters.map(node))), hardState: hardState)
    storage.persisted(entries: terms.enumerated().map { RaftEntry(term: $1, index: RaftIndex($0 + 1), payload: .normal(Array("e\($0 + 1)".utf8))) })
    var configuration = RaftConfiguration(id: node(id), preVote: preVote, checkQuorum: checkQuorum, randomSeed: 42)
    configure(&configuration)
    return RaftCore(configuration: configuration, storage: storage)
}

func message(_ from: String, _ to: String, term: RaftTerm, _ kind: RaftMessageKind) -> RaftMessage {
    RaftMessage(from: node(from), to: node(to), term: term, kind: kind)
}

func entry(_ term: RaftTerm, _ index: RaftIndex, _ text: String = "x") -> RaftEntry {
    RaftEntry(term: term, index: index, payload: .normal(Array(text.utf8)))
}

/// Takes the core's ready, advances it, and returns the messages it asked to send.
@discardableResult
func drain(_ core: inout RaftCore) -> [RaftMessage] {
    guard let ready = core.ready() else { return [] }
    core.advance(ready)
    return ready.messages
}

/// Makes a leader of term 1 out of node 1 of a three-node group (votes from 2 and 3 granted).
func makeLeader(terms: [RaftTerm] = [], configure: (inout RaftConfiguration) -> Void = { _ in }) -> RaftCore {
    var core = makeCore("1", terms: terms, configure: configure)
    core.campaign()
    core.step(message("2", "1", term: core.term, .voteResponse(granted: true)))
    precondition(core.role == .leader, "not leader: \(core.role)")
    drain(&core)
    return core
}

/// Every rule of the Raft paper's Figure 2, one test each, plus Figure 8 and §5.4.1.
@Suite struct RaftFigure2Tests {
    // MARK: Rules for all servers

    /// Figure 2, all servers: "If commitIndex > lastApplied: increment lastApplied, apply
    /// log[lastApplied] to state machine".
    @Test func committedEntriesAreHandedToTheApplicationAndApplied() {
        var core = makeCore("2")
        core.step(message("1", "2", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [entry(1, 1, "a"), entry(1, 2, "b")], commit: 2)))
        let ready = core.ready()!
        #expect(ready.committedEntries.map(\.index) == [1, 2])
        #expect(ready.entries.map(\.index) == [1, 2])
        core.advance(ready)
        #expect(core.appliedIndex == 2)
        #expect(core.ready()?.committedEntries.isEmpty ?? true)
    }

    /// Figure 2, all servers: "If RPC request or response contains term T > currentTerm: set
    /// currentTerm = T, convert to follower".
    @Test func laterTermTurnsALeaderIntoAFollower() {
        var core = makeLeader()
        core.step(message("3", "1", term: 7, .heartbeatResponse(readRound: 0)))
        #expect(core.role == .follower)
        #expect(core.term == 7)
        #expect(core.vote == nil)
    }

    /// Figure 2, persistent state on all servers: currentTerm, votedFor and log[] are on stable
    /// storage before responding to RPCs — a node restarted from its storage does not vote twice.
    @Test func aRestartedNodeKeepsItsTermVoteAndLog() {
        var core = makeCore("3")
        core.step(message("1", "3", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [entry(1, 1)], commit: 0)))
        core.step(message("1", "3", term: 2, .vote(lastIndex: 1, lastTerm: 1, transfer: false)))
        let sent = drain(&core)
        #expect(sent.last?.kind == .voteResponse(granted: true))
        var restarted = RaftCore(configuration: core.configuration, storage: core.storage)
        #expect(restarted.term == 2 && restarted.vote == node("1") && restarted.lastIndex == 1)
        restarted.step(message("2", "3", term: 2, .vote(lastIndex: 1, lastTerm: 1, transfer: false)))
        #expect(drain(&restarted).map(\.kind) == [.voteResponse(granted: false)])
    }

    // MARK: Followers

    /// Figure 2, followers: "Respond to RPCs from candidates and leaders".
    @Test func followerAnswersCandidatesAndLeaders() {
        var core = makeCore("2")
        core.step(message("1", "2", term: 1, .vote(lastIndex: 0, lastTerm: 0, transfer: false)))
        core.step(message("1", "2", term: 1, .heartbeat(commit: 0, readRound: 0)))
        let kinds = drain(&core).map(\.kind)
        #expect(kinds == [.voteResponse(granted: true), .heartbeatResponse(readRound: 0)])
    }

    /// Figure 2, followers: "If election timeout elapses without receiving AppendEntries RPC
    /// from current leader or granting vote to candidate: convert to candidate" (§5.2: the
    /// timeout is drawn from electionTick..<2·electionTick).
    @Test func followerBecomesCandidateAfterItsElectionTimeout() {
        var core = makeCore("2")
        for _ in 0..<(core.configuration.electionTick - 1) { core.tick() }
        #expect(core.role == .follower, "no timeout can be shorter than electionTick")
        for _ in 0..<core.configuration.electionTick { core.tick() }
        #expect(core.role == .candidate)
    }

    /// Figure 2, followers: the election timer restarts on AppendEntries from the leader.
    @Test func heartbeatsKeepAFollowerFromCampaigning() {
        var core = makeCore("2")
        for round in 0..<10 {
            for _ in 0..<(core.configuration.electionTick - 1) { core.tick() }
            core.step(message("1", "2", term: 1, .heartbeat(commit: 0, readRound: 0)))
            #expect(core.role == .follower, "round \(round)")
        }
    }

    // MARK: Candidates

    /// Figure 2, candidates: "On conversion to candidate, start election: increment
    /// currentTerm, vote for self, reset election timer, send RequestVote RPCs to all other servers".
    @Test func candidateIncrementsTermVotesForItselfAndAsksEveryone() {
        var core = makeCore("1", terms: [1, 1], hardState: RaftHardState(term: 1))
        core.campaign()
        #expect(core.term == 2)
        #expect(core.vote == node("1"))
        let sent = drain(&core)
        #expect(sent.map(\.to) == [node("2"), node("3")])
        #expect(sent.allSatisfy { $0.kind == .vote(lastIndex: 2, lastTerm: 1, transfer: false) && $0.term == 2 })
    }

    /// Figure 2, candidates: "If votes received from majority of servers: become leader".
    @Test func candidateWithAMajorityBecomesLeader() {
        var core = makeCore("1", voters: ["1", "2", "3", "4", "5"])
        core.campaign()
        core.step(message("2", "1", term: 1, .voteResponse(granted: true)))
        #expect(core.role == .candidate, "two of five is no majority")
        core.step(message("3", "1", term: 1, .voteResponse(granted: false)))
        #expect(core.role == .candidate)
        core.step(message("4", "1", term: 1, .voteResponse(granted: true)))
        #expect(core.role == .leader)
    }

    /// Figure 2, candidates: "If AppendEntries RPC received from new leader: convert to follower".
    @Test func candidateYieldsToALeaderOfItsTerm() {
        var core = makeCore("1")
        core.campaign()
        core.step(message("2", "1", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [], commit: 0)))
        #expect(core.role == .follower)
        #expect(core.leader == node("2"))
        #expect(core.term == 1)
    }

    /// Figure 2, candidates: "If election timeout elapses: start new election".
    @Test func candidateStartsANewElectionAfterATimeout() {
        var core = makeCore("1")
        core.campaign()
        #expect(core.term == 1)
        for _ in 0..<(2 * core.configuration.electionTick) { core.tick() }
        #expect(core.role == .candidate)
        #expect(core.term == 2)
    }

    // MARK: Leaders

    /// Figure 2, leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to
    /// each server; repeat during idle periods to prevent election timeouts".
    @Test func leaderAnnouncesItselfAndHeartbeatsWhenIdle() {
        var core = makeCore("1")
        core.campaign()
        core.step(message("2", "1", term: 1, .voteResponse(granted: true)))
        let announced = drain(&core).filter { if case .append = $0.kind { true } else { false } }
        #expect(announced.count == 2)
        #expect(announced.allSatisfy { if case .append(0, 0, let entries, _) = $0.kind { entries.count == 1 } else { false } })
        core.tick()
        let beats = drain(&core)
        #expect(beats.count == 2)
        #expect(beats.allSatisfy { if case .heartbeat = $0.kind { true } else { false } })
    }

    /// Figure 2, leaders: "If command received from client: append entry to local log, respond
    /// after entry applied to state machine".
    @Test func leaderAppendsAProposalAndCommitsItWithAMajority() throws {
        var core = makeLeader()
        try core.propose(Array("cmd".utf8))
        #expect(core.lastIndex == 2)
        #expect(core.committedIndex == 0)
        core.step(message("2", "1", term: 1, .appendResponse(index: 2, rejected: false, hintIndex: 0, hintTerm: 0)))
        #expect(core.committedIndex == 2)
        let applied = core.ready()!.committedEntries.map(\.payload)
        #expect(applied == [.normal([]), .normal(Array("cmd".utf8))])
    }

    /// Figure 2, leaders: "If last log index ≥ nextIndex for a follower: send AppendEntries RPC
    /// with log entries starting at nextIndex; if successful: update nextIndex and matchIndex".
    @Test func leaderSendsFromNextIndexAndAdvancesOnSuccess() throws {
        var core = makeLeader()
        core.step(message("2", "1", term: core.term, .appendResponse(index: 1, rejected: false, hintIndex: 0, hintTerm: 0)))
        drain(&core)
        #expect(core.progress(of: node("2"))?.match == 1 && core.progress(of: node("2"))?.next == 2)
        try core.propose([9])
        let append = drain(&core).first { $0.to == node("2") }
        guard case .append(let prevIndex, _, let entries, _)? = append?.kind else {
            Issue.record("no append to 2")
            return
        }
        #expect(prevIndex == 1 && entries.map(\.index) == [2])
        core.step(message("2", "1", term: core.term, .appendResponse(index: 2, rejected: false, hintIndex: 0, hintTerm: 0)))
        #expect(core.progress(of: node("2"))?.match == 2 && core.progress(of: node("2"))?.next == 3)
    }

    /// Figure 2, leaders: "If AppendEntries fails because of log inconsistency: decrement
    /// nextIndex and retry" — here with the fast backoff hint (§5.3): the follower's hint
    /// (its last index with a term at most prevTerm) takes the leader back in one step.
    @Test func leaderBacksOffWithTheFollowersHint() {
        var core = makeLeader(terms: [1, 1, 1, 1, 1])
        let term = core.term
        // The follower only has entries 1–2: it rejects prevIndex 5 with hint 2.
        core.step(message("2", "1", term: term, .appendResponse(index: 5, rejected: true, hintIndex: 2, hintTerm: 1)))
        let retry = drain(&core).filter { $0.to == node("2") }
        #expect(retry.count == 1)
        guard case .append(let prevIndex, let prevTerm, let entries, _)? = retry.first?.kind else {
            Issue.record("no append retried: \(retry)")
            return
        }
        #expect(prevIndex == 2 && prevTerm == 1)
        #expect(entries.first?.index == 3)
        #expect(core.progress(of: node("2"))?.next == 3)
    }

    /// Figure 2, leaders: commit N only if a majority matches N and log[N].term == currentTerm;
    /// Figure 8 (§5.4.2): an entry of an earlier term is never committed by counting replicas.
    @Test func leaderCommitsOnlyEntriesOfItsOwnTermByCounting() throws {
        // Node 1 has 1@1 and 2@2 (term 2 not committed); it becomes leader of term 3.
        var core = makeCore("1", terms: [1, 2], hardState: RaftHardState(term: 2, commit: 1))
        core.campaign()
        core.step(message("2", "1", term: 3, .voteResponse(granted: true)))
        #expect(core.role == .leader && core.term == 3)
        drain(&core)
        // A majority now holds index 2 (of term 2), but not the term-3 no-op at 3.
        core.step(message("2", "1", term: 3, .appendResponse(index: 2, rejected: false, hintIndex: 0, hintTerm: 0)))
        #expect(core.committedIndex == 1, "index 2 is of term 2: counting replicas must not commit it")
        core.step(message("2", "1", term: 3, .appendResponse(index: 3, rejected: false, hintIndex: 0, hintTerm: 0)))
        #expect(core.committedIndex == 3, "committing the term-3 entry commits everything before it")
    }

    // MARK: AppendEntries receiver

    /// Figure 2, AppendEntries receiver rule 1: "Reply false if term < currentTerm" (the
    /// reply carries the receiver's term so the stale leader steps down).
    @Test func appendFromAStaleTermIsRefused() {
        var core = makeCore("2", hardState: RaftHardState(term: 5), checkQuorum: true)
        let outcome = core.step(message("1", "2", term: 3, .append(prevIndex: 0, prevTerm: 0, entries: [entry(3, 1)], commit: 1)))
        #expect(outcome == .dropped)
        #expect(core.lastIndex == 0 && core.committedIndex == 0)
        let reply = drain(&core)
        #expect(reply.count == 1 && reply[0].term == 5)
    }

    /// Figure 2, AppendEntries receiver rule 2: "Reply false if log doesn't contain an entry at
    /// prevLogIndex whose term matches prevLogTerm".
    @Test func appendWhosePrevEntryDoesNotMatchIsRejected() {
        var core = makeCore("2", terms: [1, 1, 2])
        core.step(message("1", "2", term: 3, .append(prevIndex: 3, prevTerm: 3, entries: [entry(3, 4)], commit: 0)))
        #expect(core.lastIndex == 3)
        let reply = drain(&core)
        #expect(reply.map(\.kind) == [.appendResponse(index: 3, rejected: true, hintIndex: 3, hintTerm: 2)])
        core.step(message("1", "2", term: 3, .append(prevIndex: 5, prevTerm: 3, entries: [], commit: 0)))
        #expect(drain(&core).map(\.kind) == [.appendResponse(index: 5, rejected: true, hintIndex: 3, hintTerm: 2)])
    }

    /// Figure 2, AppendEntries receiver rule 3: "If an existing entry conflicts with a new one
    /// (same index but different terms), delete the existing entry and all that follow it".
    @Test func conflictingEntriesAreReplacedWithTheirSuffix() throws {
        var core = makeCore("2", terms: [1, 1, 1, 1])
        core.step(message("1", "2", term: 2, .append(prevIndex: 1, prevTerm: 1, entries: [entry(1, 2, "e2"), entry(2, 3, "new")], commit: 0)))
        #expect(core.lastIndex == 3, "entry 4 followed the conflict at 3 and must be gone")
        #expect(core.term(at: 3) == 2)
        #expect(try core.entries(from: 2).map(\.payload) == [.normal(Array("e2".utf8)), .normal(Array("new".utf8))])
        drain(&core)
        #expect(core.storage.lastIndex == 3)
    }

    /// Figure 2, AppendEntries receiver rule 4: "Append any new entries not already in the
    /// log" — a repeated (or reordered, older) append changes nothing.
    @Test func onlyNewEntriesAreAppendedAndRepeatsAreHarmless() {
        var core = makeCore("2")
        let long = message("1", "2", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [entry(1, 1), entry(1, 2), entry(1, 3)], commit: 0))
        let short = message("1", "2", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [entry(1, 1)], commit: 0))
        core.step(long)
        core.step(short)
        core.step(long)
        #expect(core.lastIndex == 3)
    }

    /// Figure 2, AppendEntries receiver rule 5: "If leaderCommit > commitIndex, set commitIndex
    /// = min(leaderCommit, index of last new entry)".
    @Test func commitIndexFollowsTheLeaderButNotPastTheNewEntries() {
        var core = makeCore("2")
        core.step(message("1", "2", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [entry(1, 1), entry(1, 2)], commit: 9)))
        #expect(core.committedIndex == 2)
        core.step(message("1", "2", term: 1, .append(prevIndex: 0, prevTerm: 0, entries: [entry(1, 1)], commit: 1)))
        #expect(core.committedIndex == 2, "the commit index never goes back")
        // Entries after the last new one may be stale (an old leader's): never commit them.
        var stale = makeCore("3", terms: [1, 1, 1])
        stale.step(message("1", "3", term: 2, .append(prevIndex: 1, prevTerm: 1, entries: [], commit: 3)))
        #expect(stale.committedIndex == 1)
    }

    // MARK: RequestVote receiver

    /// Figure 2, RequestVote receiver rule 1: "Reply false if term < currentTerm".
    @Test func voteRequestOfAStaleTermIsNotGranted() {
        var core = makeCore("2", hardState: RaftHardState(term: 4))
        #expect(core.step(message("1", "2", term: 3, .vote(lastIndex: 9, lastTerm: 3, transfer: false))) == .dropped)
        #expect(core.vote == nil)
        #expect(!drain(&core).contains { $0.kind == .voteResponse(granted: true) })
    }

    /// Figure 2, RequestVote receiver rule 2: "If votedFor is null or candidateId ... grant vote"
    /// — one vote per term: a second candidate of the same term is refused, the same one again granted.
    @Test func oneVotePerTerm() {
        var core = makeCore("3")
        core.step(message("1", "3", term: 1, .vote(lastIndex: 0, lastTerm: 0, transfer: false)))
        core.step(message("2", "3", term: 1, .vote(lastIndex: 0, lastTerm: 0, transfer: false)))
        core.step(message("1", "3", term: 1, .vote(lastIndex: 0, lastTerm: 0, transfer: false)))
        let replies = drain(&core).map { "\($0.to):\($0.kind)" }
        #expect(replies == ["1:voteResponse(granted: true)", "2:voteResponse(granted: false)", "1:voteResponse(granted: true)"])
        #expect(core.vote == node("1"))
    }

    /// §5.4.1, the election restriction: grant only if the candidate's log is at least as
    /// up-to-date (a later last term, or the same last term and at least as long).
    @Test func votesGoOnlyToCandidatesWithUpToDateLogs() {
        for (lastIndex, lastTerm, granted) in [(RaftIndex(9), RaftTerm(1), false), (2, 2, false), (3, 2, true), (1, 3, true)] {
            var core = makeCore("3", terms: [1, 2, 2], hardState: RaftHardState(term: 2))
            core.step(message("1", "3", term: 4, .vote(lastIndex: lastIndex, lastTerm: lastTerm, transfer: false)))
            #expect(drain(&core).map(\.kind) == [.voteResponse(granted: granted)], "candidate last \(lastIndex)@\(lastTerm)")
        }
    }

    // MARK: Pre-vote and check-quorum

    /// Thesis §9.6: a pre-candidate does not raise its term, and becomes a candidate only when a
    /// quorum would vote for it.
    @Test func preVoteRaisesNoTermUntilItWouldWin() {
        var core = makeCore("1", preVote: true)
        core.campaign()
        #expect(core.role == .preCandidate && core.term == 0 && core.vote == nil)
        let asked = drain(&core)
        #expect(asked.allSatisfy { $0.term == 1 && $0.kind == .preVote(lastIndex: 0, lastTerm: 0) })
        core.step(message("2", "1", term: 1, .preVoteResponse(granted: true)))
        #expect(core.role == .candidate && core.term == 1)
        // A pre-vote asked of another node leaves its term and vote alone.
        var voter = makeCore("2", preVote: true)
        voter.step(message("1", "2", term: 1, .preVote(lastIndex: 0, lastTerm: 0)))
        #expect(voter.term == 0 && voter.vote == nil)
        #expect(drain(&voter).map(\.kind) == [.preVoteResponse(granted: true)])
    }

    /// Thesis §4.2.3 with check-quorum: a follower that heard from its leader within an
    /// election timeout ignores (pre-)votes, so a returning node cannot depose the leader.
    @Test func followerInALeaseIgnoresVotes() {
        var core = makeCore("2", preVote: true, checkQuorum: true)
        core.step(message("1", "2", term: 1, .heartbeat(commit: 0, readRound: 0)))
        drain(&core)
        #expect(core.step(message("3", "2", term: 2, .preVote(lastIndex: 5, lastTerm: 1))) == .dropped)
        #expect(core.step(message("3", "2", term: 2, .vote(lastIndex: 5, lastTerm: 1, transfer: false))) == .dropped)
        #expect(core.term == 1 && core.leader == node("1"))
        // A vote forced by a leadership transfer passes the lease.
        #expect(core.step(message("3", "2", term: 2, .vote(lastIndex: 5, lastTerm: 1, transfer: true))) == .accepted)
        #expect(core.vote == node("3"))
    }

    /// Thesis §6.2: a leader that hears from no quorum within an election timeout steps down.
    @Test func leaderWithoutAQuorumStepsDown() {
        var core = makeLeader { $0.checkQuorum = true }
        core.step(message("2", "1", term: core.term, .heartbeatResponse(readRound: 0)))
        for _ in 0..<core.configuration.electionTick { core.tick() }
        #expect(core.role == .leader, "2 and 1 are a quorum of three")
        for _ in 0..<core.configuration.electionTick { core.tick() }
        #expect(core.role == .follower)
    }
}
