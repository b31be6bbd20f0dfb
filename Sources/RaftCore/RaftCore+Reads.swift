import FabricCore

extension RaftCore {
    /// Asks for a linearizable read (thesis §6.4). When the answer is ready, a `RaftReadState`
    /// with `context` appears in a `RaftReady`: the read may be served once the application has
    /// applied its index. A follower forwards the request to its leader.
    public mutating func readIndex(context: [UInt8]) throws(RaftError) {
        guard context.count <= Limits.raftReadContextBytesMax else { throw .readContextTooLarge(bytes: context.count) }
        guard role == .leader else {
            guard let leader else { throw .notLeader(leader: nil) }
            send(.readIndex(context: context), to: leader)
            return
        }
        try handleReadRequest(context: context, requester: id)
    }

    mutating func handleReadRequest(context: [UInt8], requester: NodeId) throws(RaftError) {
        guard pendingReads.count + readsAwaitingCommit.count < Limits.raftPendingReadsMax else { throw .tooManyPendingReads }
        // §6.4 step 1: the leader must have committed an entry of its term to know the commit
        // index is the latest; until then the read waits.
        guard log.term(at: log.committed) == term else {
            readsAwaitingCommit.append((context, requester))
            return
        }
        serveRead(context: context, requester: requester)
    }

    mutating func serveRead(context: [UInt8], requester: NodeId) {
        if membership.voters == [id] && !membership.isJoint {
            answerRead(index: log.committed, context: context, requester: requester)
            return
        }
        switch configuration.readMode {
        case .leaseBased where transferee == nil:
            // §6.4.1: with check-quorum the leader knows it still leads within an election timeout.
            // Not during a leadership transfer: the target's forced election ignores leases, so
            // the read falls back to a heartbeat round.
            answerRead(index: log.committed, context: context, requester: requester)
        case .safe, .leaseBased:
            // §6.4 steps 2–3: record the commit index, confirm leadership with a heartbeat round.
            readRound += 1
            pendingReads.append(PendingRead(context: context, index: log.committed, requester: requester, round: readRound))
            broadcastHeartbeat()
        }
    }

    mutating func releaseReadsAwaitingCommit() {
        guard !readsAwaitingCommit.isEmpty, log.term(at: log.committed) == term else { return }
        let waiting = readsAwaitingCommit
        readsAwaitingCommit = []
        for read in waiting { serveRead(context: read.context, requester: read.requester) }
    }

    /// Answers every pending read whose round a quorum has acknowledged (rounds are ordered).
    mutating func releaseConfirmedReads() {
        while let first = pendingReads.first,
              membership.hasQuorum({ $0 == id || (readAcknowledgements[$0] ?? 0) >= first.round }) {
            pendingReads.removeFirst()
            answerRead(index: first.index, context: first.context, requester: first.requester)
        }
    }

    mutating func answerRead(index: RaftIndex, context: [UInt8], requester: NodeId) {
        if requester == id {
            readStates.append(RaftReadState(index: index, context: context))
        } else {
            send(.readIndexResponse(index: index, context: context), to: requester)
        }
    }
}
