import FabricCore

extension RaftCore {
    /// One logical tick: followers and candidates count toward an election timeout, leaders
    /// toward a heartbeat and the check-quorum round (§5.2).
    public mutating func tick() {
        switch role {
        case .leader: tickLeader()
        case .follower, .preCandidate, .candidate: tickElection()
        }
    }

    /// §5.2: "If election timeout elapses without receiving AppendEntries RPC from current leader
    /// or granting vote to candidate: convert to candidate".
    mutating func tickElection() {
        electionElapsed += 1
        guard isPromotable, electionElapsed >= randomizedElectionTimeout else { return }
        electionElapsed = 0
        campaign()
    }

    mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= configuration.electionTick {
            electionElapsed = 0
            if configuration.checkQuorum {
                // Thesis §6.2: a leader that has not heard from a quorum within an election
                // timeout steps down, so clients can find the real leader and leases hold.
                guard membership.hasQuorum({ $0 == id || progress[$0]?.recentlyActive == true }) else {
                    becomeFollower(term: term, leader: nil)
                    return
                }
                for member in progress.keys where member != id { progress[member]?.recentlyActive = false }
            }
            if transferee != nil { transferee = nil }  // §3.10: abort a transfer not done in an election timeout
        }
        if heartbeatElapsed >= configuration.heartbeatTick {
            heartbeatElapsed = 0
            broadcastHeartbeat()
        }
    }

    /// Starts an election now (the shell's "campaign"; also what an election timeout does).
    /// With pre-vote, a pre-vote round comes first unless `transfer` (a leadership transfer).
    public mutating func campaign() { campaign(transfer: false) }

    mutating func campaign(transfer: Bool) {
        guard isPromotable, role != .leader else { return }
        // A committed configuration change not applied yet may change who votes: wait for it.
        guard !hasUnappliedConfigurationChange else { return }
        counters.campaigns += 1
        if configuration.preVote && !transfer {
            becomePreCandidate()
            requestVotes(preVote: true, transfer: false)
        } else {
            becomeCandidate()
            requestVotes(preVote: false, transfer: transfer)
        }
    }

    var hasUnappliedConfigurationChange: Bool {
        guard log.committed > log.applied,
              let pending = try? log.slice((log.applied + 1)..<(log.committed + 1), bytesMax: .max) else { return false }
        return pending.contains { if case .configurationChange = $0.payload { return true } else { return false } }
    }

    /// Figure 2, rules for candidates: vote for self, send RequestVote to all other servers.
    mutating func requestVotes(preVote: Bool, transfer: Bool) {
        votes = [id: true]
        if tallyVotes(preVote: preVote) { return }
        for voter in voterPeers {
            if preVote {
                send(.preVote(lastIndex: log.lastIndex, lastTerm: log.lastTerm), to: voter, term: term + 1)
            } else {
                send(.vote(lastIndex: log.lastIndex, lastTerm: log.lastTerm, transfer: transfer), to: voter)
            }
        }
    }

    /// Counts the votes; acts on a decided election. True when decided.
    @discardableResult
    mutating func tallyVotes(preVote: Bool) -> Bool {
        switch membership.voteResult(votes) {
        case .pending:
            return false
        case .won:
            if preVote {
                becomeCandidate()
                requestVotes(preVote: false, transfer: false)
            } else {
                becomeLeader()
            }
            return true
        case .lost:
            becomeFollower(term: term, leader: nil)
            return true
        }
    }

    /// Figure 2, RequestVote receiver (and pre-vote, thesis §9.6, which changes no state).
    mutating func handleVoteRequest(_ message: RaftMessage, lastIndex: RaftIndex, lastTerm: RaftTerm, preVote: Bool) {
        // Rule 2: grant if votedFor is null or candidateId, and the log is at least as up to date.
        // A pre-vote for a later term may be granted whatever this node voted in its term.
        let canVote = vote == message.from || (vote == nil && leader == nil) || (preVote && message.term > term)
        let granted = canVote && log.isUpToDate(lastIndex: lastIndex, lastTerm: lastTerm)
        if preVote {
            send(.preVoteResponse(granted: granted), to: message.from, term: granted ? message.term : term)
        } else {
            if granted {
                vote = message.from
                electionElapsed = 0
            }
            send(.voteResponse(granted: granted), to: message.from)
        }
    }

    /// Figure 2, all servers: "If RPC request or response contains term T > currentTerm: set
    /// currentTerm = T, convert to follower".
    mutating func becomeFollower(term newTerm: RaftTerm, leader newLeader: NodeId?) {
        if newTerm != term {
            term = newTerm
            vote = nil
        }
        role = .follower
        leader = newLeader
        resetRoleState()
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "leader \(id) cannot become a pre-candidate in term \(term)")
        role = .preCandidate
        leader = nil
        votes = [:]
        randomizeElectionTimeout()
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "leader \(id) cannot become a candidate in term \(term)")
        term += 1
        vote = id
        role = .candidate
        leader = nil
        resetRoleState()
    }

    /// Figure 2, leaders: initialise nextIndex to the last log index + 1 and matchIndex to 0,
    /// and append a no-op so entries of earlier terms get committed (§5.4.2, §8).
    mutating func becomeLeader() {
        precondition(role == .candidate || membership.voters == [id], "\(id) becoming leader from \(role)")
        role = .leader
        leader = id
        resetRoleState()
        for member in membership.members {
            progress[member] = RaftProgress(next: log.lastIndex + 1)
        }
        progress[id]?.match = log.lastIndex
        pendingConfigurationIndex = log.lastIndex
        appendAsLeader([.normal([])])
        broadcastAppend()
    }

    mutating func resetRoleState() {
        resetTimers()
        votes = [:]
        progress = [:]
        transferee = nil
        pendingReads = []
        readsAwaitingCommit = []
        readAcknowledgements = [:]
        uncommittedBytes = 0
    }

    mutating func resetTimers() {
        electionElapsed = 0
        heartbeatElapsed = 0
        randomizeElectionTimeout()
    }

    /// §5.2: election timeouts drawn at random from electionTick..<2·electionTick.
    mutating func randomizeElectionTimeout() {
        let base = configuration.electionTick
        randomizedElectionTimeout = base + Int.random(in: 0..<base, using: &random)
    }
}
