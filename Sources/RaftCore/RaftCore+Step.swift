import FabricCore

extension RaftCore {
    /// Takes a message from a peer. Never traps: a malformed or unauthorised message is refused
    /// and counted, a stale one dropped and counted.
    @discardableResult
    public mutating func step(_ message: RaftMessage) -> RaftStepOutcome {
        if let refusal = refusal(of: message) {
            counters.refusedMessages += 1
            return .refused(refusal)
        }
        let outcome = stepValidated(message)
        switch outcome {
        case .accepted: break
        case .dropped: counters.droppedMessages += 1
        case .refused: counters.refusedMessages += 1
        }
        return outcome
    }

    /// Why `message` must be refused before anything looks at it, or nil.
    func refusal(of message: RaftMessage) -> RaftRefusal? {
        guard message.to == id, message.from != id else { return .wrongRecipient }
        guard message.term <= Limits.raftTermMax else { return .malformed }
        if !message.kind.isFromLeader && !membership.members.contains(message.from) { return .unknownSender }
        switch message.kind {
        case .append(let prevIndex, let prevTerm, let entries, _):
            guard entries.count <= Limits.raftEntriesPerAppendMax else { return .tooLarge }
            guard prevTerm <= message.term, prevIndex <= RaftIndex.max - RaftIndex(entries.count) else { return .malformed }
            var previousTerm = prevTerm
            for (offset, entry) in entries.enumerated() {
                guard entry.index == prevIndex + 1 + RaftIndex(offset), entry.term >= previousTerm,
                      entry.term <= message.term else { return .malformed }
                guard entry.byteCount <= Limits.raftEntryBytesMax + 16 else { return .tooLarge }
                if case .configurationChange(let change) = entry.payload,
                   change.changes.count > Limits.raftChangesPerProposalMax { return .tooLarge }
                previousTerm = entry.term
            }
        case .snapshot(let snapshot):
            guard snapshot.data.count <= Limits.raftSnapshotBytesMax,
                  snapshot.metadata.membership.members.count <= Limits.raftMembersMax else { return .tooLarge }
            guard snapshot.metadata.term <= message.term, snapshot.metadata.index > 0,
                  !snapshot.metadata.membership.voters.isEmpty else { return .malformed }
        case .readIndex(let context), .readIndexResponse(_, let context):
            guard context.count <= Limits.raftReadContextBytesMax else { return .tooLarge }
        case .vote, .voteResponse, .preVote, .preVoteResponse, .appendResponse, .heartbeat,
             .heartbeatResponse, .timeoutNow:
            break
        }
        return nil
    }

    mutating func stepValidated(_ message: RaftMessage) -> RaftStepOutcome {
        if message.term > term {
            let isCampaign: Bool
            switch message.kind {
            case .vote(_, _, let transfer): isCampaign = !transfer
            case .preVote: isCampaign = true
            default: isCampaign = false
            }
            // Thesis §4.2.3: a node that heard from its leader within the minimum election
            // timeout ignores votes (a removed or partitioned node cannot depose the leader).
            let inLease = configuration.checkQuorum && leader != nil && electionElapsed < configuration.electionTick
            if isCampaign && inLease { return .dropped }
            switch message.kind {
            case .preVote:
                break  // thesis §9.6: a pre-vote changes nothing here
            case .preVoteResponse(let granted) where granted:
                break  // counted in the pre-candidate's term + 1
            default:
                becomeFollower(term: message.term, leader: message.kind.isFromLeader ? message.from : nil)
            }
        } else if message.term < term {
            switch message.kind {
            case .append, .heartbeat:
                guard configuration.checkQuorum || configuration.preVote else { break }
                // A leader cut off from the rest (whose term others passed) would otherwise never
                // learn it: with pre-vote the others' terms did not rise by its votes.
                send(.appendResponse(index: 0, rejected: false, hintIndex: 0, hintTerm: 0), to: message.from)
            case .preVote:
                send(.preVoteResponse(granted: false), to: message.from)
            default:
                break
            }
            return .dropped  // Figure 2: reply false / ignore if term < currentTerm
        }

        switch message.kind {
        case .vote(let lastIndex, let lastTerm, _):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: false)
            return .accepted
        case .preVote(let lastIndex, let lastTerm):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: true)
            return .accepted
        default:
            break
        }
        switch role {
        case .leader: return stepLeader(message)
        case .preCandidate, .candidate: return stepCandidate(message)
        case .follower: return stepFollower(message)
        }
    }

    mutating func stepFollower(_ message: RaftMessage) -> RaftStepOutcome {
        switch message.kind {
        case .append(let prevIndex, let prevTerm, let entries, let commit):
            electionElapsed = 0
            leader = message.from
            return handleAppend(message, prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: commit)
        case .heartbeat(let commit, let round):
            electionElapsed = 0
            leader = message.from
            guard commit <= log.lastIndex else { return .refused(.malformed) }
            log.commit(to: commit)
            send(.heartbeatResponse(readRound: round), to: message.from)
            return .accepted
        case .snapshot(let snapshot):
            electionElapsed = 0
            leader = message.from
            handleSnapshot(snapshot, from: message.from)
            return .accepted
        case .timeoutNow:
            guard isPromotable else { return .dropped }
            campaign(transfer: true)  // §3.10: start an election at once, bypassing pre-vote and leases
            return .accepted
        case .readIndexResponse(let index, let context):
            readStates.append(RaftReadState(index: index, context: context))
            return .accepted
        case .vote, .voteResponse, .preVote, .preVoteResponse, .appendResponse, .heartbeatResponse, .readIndex:
            return .dropped
        }
    }

    mutating func stepCandidate(_ message: RaftMessage) -> RaftStepOutcome {
        switch message.kind {
        case .append, .heartbeat, .snapshot:
            // Figure 2, candidates: "If AppendEntries RPC received from new leader: convert to follower".
            becomeFollower(term: message.term, leader: message.from)
            return stepFollower(message)
        case .preVoteResponse(let granted):
            guard role == .preCandidate, message.term == (granted ? term + 1 : term) else { return .dropped }
            votes[message.from] = votes[message.from] ?? granted
            tallyVotes(preVote: true)
            return .accepted
        case .voteResponse(let granted):
            guard role == .candidate, message.term == term else { return .dropped }
            votes[message.from] = votes[message.from] ?? granted
            tallyVotes(preVote: false)
            return .accepted
        case .vote, .preVote, .appendResponse, .heartbeatResponse, .timeoutNow, .readIndex, .readIndexResponse:
            return .dropped
        }
    }

    mutating func stepLeader(_ message: RaftMessage) -> RaftStepOutcome {
        switch message.kind {
        case .appendResponse(let index, let rejected, let hintIndex, let hintTerm):
            return handleAppendResponse(from: message.from, index: index, rejected: rejected,
                                        hintIndex: hintIndex, hintTerm: hintTerm)
        case .heartbeatResponse(let round):
            return handleHeartbeatResponse(from: message.from, round: round)
        case .readIndex(let context):
            guard progress[message.from] != nil else { return .dropped }
            if (try? handleReadRequest(context: context, requester: message.from)) == nil { return .dropped }
            return .accepted
        case .vote, .voteResponse, .preVote, .preVoteResponse, .append, .heartbeat, .snapshot, .timeoutNow,
             .readIndexResponse:
            return .dropped
        }
    }
}
