import FabricCore

extension RaftCore {
    /// Proposes `data` as a new entry (Figure 2, leaders: "If command received from client:
    /// append entry to local log"). Bounded by `Limits.raftEntryBytesMax` and
    /// `Limits.raftUncommittedBytesMax`; refused during a leadership transfer (§3.10).
    public mutating func propose(_ data: [UInt8]) throws(RaftError) {
        do throws(RaftError) {
            try checkCanPropose()
            guard data.count <= Limits.raftEntryBytesMax else { throw RaftError.entryTooLarge(bytes: data.count) }
            guard uncommittedBytes == 0 || uncommittedBytes + data.count <= Limits.raftUncommittedBytesMax else {
                throw RaftError.uncommittedLimitReached
            }
        } catch {
            counters.refusedProposals += 1
            throw error
        }
        appendAsLeader([.normal(data)])
        broadcastAppend()
    }

    func checkCanPropose() throws(RaftError) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard transferee == nil else { throw .transferInProgress }
    }

    /// Appends entries at the leader's term and counts its own match (§5.3).
    mutating func appendAsLeader(_ payloads: [RaftEntryPayload]) {
        var index = log.lastIndex
        let entries = payloads.map { payload -> RaftEntry in
            index += 1
            return RaftEntry(term: term, index: index, payload: payload)
        }
        for entry in entries { if case .normal(let data) = entry.payload { uncommittedBytes += data.count } }
        log.append(entries)
        _ = progress[id]?.acknowledged(log.lastIndex)
        maybeCommit()
    }

    /// Figure 2, leaders: "If there exists an N such that N > commitIndex, a majority of
    /// matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N" (§5.4.2, Figure 8:
    /// entries of earlier terms are committed only by counting replicas of a current-term entry).
    @discardableResult
    mutating func maybeCommit() -> Bool {
        let quorumIndex = membership.committedIndex { progress[$0]?.match ?? 0 }
        guard quorumIndex != .max, quorumIndex > log.committed, log.term(at: quorumIndex) == term else { return false }
        log.commit(to: quorumIndex)
        releaseReadsAwaitingCommit()
        return true
    }

    /// Sends what each follower is missing (or an empty append carrying the commit index).
    mutating func broadcastAppend() {
        for peer in peers { sendAppend(to: peer, sendIfEmpty: true) }
    }

    /// Sends one append to `peer` unless flow control holds it back; a snapshot when the entries
    /// it needs are compacted (§7). True when something was sent.
    @discardableResult
    mutating func sendAppend(to peer: NodeId, sendIfEmpty: Bool) -> Bool {
        guard var state = progress[peer],
              !state.isPaused(inflightAppendsMax: configuration.inflightAppendsMax,
                              inflightBytesMax: configuration.inflightBytesMax) else { return false }
        let prevIndex = state.next - 1
        guard let prevTerm = log.term(at: prevIndex),
              let entries = try? log.entries(from: state.next, bytesMax: configuration.appendBytesMax,
                                             countMax: configuration.entriesPerAppendMax)
        else { return sendSnapshot(to: peer) }
        if entries.isEmpty && !sendIfEmpty { return false }
        send(.append(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: log.committed), to: peer)
        state.sentAppend(lastIndex: entries.last?.index ?? prevIndex,
                         bytes: entries.reduce(0) { $0 + $1.byteCount }, entryCount: entries.count)
        progress[peer] = state
        return true
    }

    /// §7: "the leader must occasionally send snapshots to followers that lag behind".
    mutating func sendSnapshot(to peer: NodeId) -> Bool {
        let snapshot = log.unstableSnapshot ?? log.storage.snapshot
        guard snapshot.metadata.index > 0 else { return false }
        progress[peer]?.becomeSnapshot(snapshot.metadata.index)
        send(.snapshot(snapshot), to: peer)
        return true
    }

    /// Heartbeats carry the commit index, bounded by what each follower matches (it may not
    /// have the leader's later entries), and the read round (thesis §6.4).
    mutating func broadcastHeartbeat() {
        for peer in peers {
            let commit = min(progress[peer]?.match ?? 0, log.committed)
            send(.heartbeat(commit: commit, readRound: readRound), to: peer)
        }
    }

    /// Figure 2, AppendEntries receiver rules 1–5 (rule 1, the stale term, was applied in `step`).
    mutating func handleAppend(_ message: RaftMessage, prevIndex: RaftIndex, prevTerm: RaftTerm,
                               entries: [RaftEntry], commit: RaftIndex) -> RaftStepOutcome {
        if prevIndex < log.committed {
            // Everything through the commit index already matches (Log Matching); say so.
            send(.appendResponse(index: log.committed, rejected: false, hintIndex: 0, hintTerm: 0), to: message.from)
            return .accepted
        }
        guard log.matchTerm(prevIndex, prevTerm) else {
            // Rule 2: reply false if the log has no entry at prevIndex of prevTerm; with a hint.
            let hint = log.lastIndexWithTermAtMost(prevTerm, atOrBelow: prevIndex)
            send(.appendResponse(index: prevIndex, rejected: true, hintIndex: hint.index, hintTerm: hint.term),
                 to: message.from)
            return .accepted
        }
        // Rules 3 and 4: delete a conflicting suffix, append entries not already in the log.
        let conflict = log.firstConflictOrNew(in: entries)
        if conflict != 0 {
            guard conflict > log.committed else { return .refused(.malformed) }  // would rewrite a committed entry
            log.append(Array(entries[Int(conflict - prevIndex - 1)...]))
        }
        // Rule 5: commitIndex = min(leaderCommit, index of last new entry).
        let lastNew = prevIndex + RaftIndex(entries.count)
        log.commit(to: min(commit, lastNew))
        send(.appendResponse(index: lastNew, rejected: false, hintIndex: 0, hintTerm: 0), to: message.from)
        return .accepted
    }

    /// Figure 13, InstallSnapshot receiver (whole snapshot in one message).
    mutating func handleSnapshot(_ snapshot: RaftSnapshot, from sender: NodeId) {
        let metadata = snapshot.metadata
        if metadata.index <= log.committed {
            // Already have (and committed) what it covers.
        } else if log.matchTerm(metadata.index, metadata.term) {
            // Rule 6: the log has the snapshot's last entry: keep the entries after it.
            log.commit(to: metadata.index)
        } else {
            // Rule 7: discard the entire log; the state machine is reset from the snapshot.
            log.restore(snapshot)
            membership = metadata.membership
        }
        send(.appendResponse(index: log.committed, rejected: false, hintIndex: 0, hintTerm: 0), to: sender)
    }

    /// Figure 2, leaders: on success update nextIndex and matchIndex; on failure decrement
    /// nextIndex (with the hint, §5.3) and retry.
    mutating func handleAppendResponse(from peer: NodeId, index: RaftIndex, rejected: Bool,
                                       hintIndex: RaftIndex, hintTerm: RaftTerm) -> RaftStepOutcome {
        guard var state = progress[peer] else { return .dropped }
        guard index <= log.lastIndex, hintIndex <= index else { return .refused(.malformed) }
        state.recentlyActive = true
        if rejected {
            var probe = hintIndex
            if hintTerm > 0 { probe = log.lastIndexWithTermAtMost(hintTerm, atOrBelow: hintIndex).index }
            guard state.rejected(index, hint: probe) else {
                progress[peer] = state
                return .dropped
            }
            if state.state == .replicate { state.becomeProbe() }
            progress[peer] = state
            sendAppend(to: peer, sendIfEmpty: true)
            return .accepted
        }
        let wasPaused = state.isPaused(inflightAppendsMax: configuration.inflightAppendsMax,
                                       inflightBytesMax: configuration.inflightBytesMax)
        guard state.acknowledged(index) else {
            progress[peer] = state
            if wasPaused { while sendAppend(to: peer, sendIfEmpty: false) {} }
            return .accepted
        }
        switch state.state {
        case .probe: state.becomeReplicate()
        case .snapshot(let pending) where state.match >= pending: state.becomeProbe()
        case .snapshot, .replicate: break
        }
        progress[peer] = state
        if maybeCommit() {
            broadcastAppend()
        } else if wasPaused {
            sendAppend(to: peer, sendIfEmpty: true)  // it may not know the commit index yet
        }
        while sendAppend(to: peer, sendIfEmpty: false) {}
        if peer == transferee && state.match == log.lastIndex {
            send(.timeoutNow, to: peer)  // §3.10: the target has caught up
        }
        return .accepted
    }

    mutating func handleHeartbeatResponse(from peer: NodeId, round: UInt64) -> RaftStepOutcome {
        guard var state = progress[peer] else { return .dropped }
        state.recentlyActive = true
        state.probeSent = false
        if state.state == .replicate && state.inflights.count >= configuration.inflightAppendsMax {
            state.freeOldestInflight()
        }
        progress[peer] = state
        if state.match < log.lastIndex { sendAppend(to: peer, sendIfEmpty: true) }
        if round > readAcknowledgements[peer] ?? 0 {
            readAcknowledgements[peer] = min(round, readRound)
            releaseConfirmedReads()
        }
        return .accepted
    }

    /// The shell could not reach `peer` (a send failed): probe it again instead of pipelining.
    public mutating func reportUnreachable(_ peer: NodeId) {
        guard role == .leader, progress[peer]?.state == .replicate else { return }
        progress[peer]?.becomeProbe()
    }

    /// The shell reports how sending a snapshot to `peer` ended; on failure the leader probes
    /// again (and will send another snapshot if still needed).
    public mutating func reportSnapshot(to peer: NodeId, succeeded: Bool) {
        guard role == .leader, case .snapshot? = progress[peer]?.state else { return }
        if !succeeded { progress[peer]?.state = .snapshot(pendingIndex: 0) }
        progress[peer]?.becomeProbe()
        progress[peer]?.probeSent = true  // wait for the follower's answer (or a heartbeat's)
    }
}
