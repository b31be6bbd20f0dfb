import FabricCore

/// What the shell must do, in this order: persist `snapshot`, `entries` and `hardState`
/// (durably, before anything else), send `messages`, apply `snapshot` then `committedEntries`
/// to the state machine, answer reads in `readStates` once their index is applied; then call
/// `advance` with this value.
public struct RaftReady: Sendable, Hashable {
    /// Who leads and this node's role now.
    public var softState: RaftSoftState
    /// The hard state to persist, nil when unchanged.
    public var hardState: RaftHardState?
    /// Entries to append to stable storage (replacing any there at and after the first's index).
    public var entries: [RaftEntry]
    /// A snapshot to persist and to restore the state machine from.
    public var snapshot: RaftSnapshot?
    /// Committed entries to apply, in order.
    public var committedEntries: [RaftEntry]
    /// Messages to send (after the persistence above).
    public var messages: [RaftMessage]
    /// Answers to linearizable reads.
    public var readStates: [RaftReadState]
}

extension RaftCore {
    /// The soft state now.
    public var softState: RaftSoftState { RaftSoftState(leader: leader, role: role) }

    /// The hard state now.
    public var hardState: RaftHardState { RaftHardState(term: term, vote: vote, commit: log.committed) }

    /// Whether `ready()` has anything.
    public var hasReady: Bool {
        !outbox.isEmpty || !readStates.isEmpty || hardState != persistedHardState || !log.unstableEntries.isEmpty
            || log.unstableSnapshot != nil || (log.unstableSnapshot == nil && log.committed > log.applied)
    }

    /// What to persist, send and apply now, or nil when nothing. Taking it changes nothing:
    /// `advance` does.
    public func ready() -> RaftReady? {
        guard hasReady else { return nil }
        let current = hardState
        return RaftReady(
            softState: softState,
            hardState: current == persistedHardState ? nil : current,
            entries: log.unstableEntries,
            snapshot: log.unstableSnapshot,
            committedEntries: committedEntriesToApply(),
            messages: outbox,
            readStates: readStates)
    }

    /// Committed entries after the applied index, bounded by `Limits.raftCommittedBytesPerReadyMax`;
    /// none while a snapshot waits to be applied.
    func committedEntriesToApply() -> [RaftEntry] {
        guard log.unstableSnapshot == nil, log.committed > log.applied else { return [] }
        return (try? log.slice((log.applied + 1)..<(log.committed + 1), bytesMax: Limits.raftCommittedBytesPerReadyMax)) ?? []
    }

    /// The shell has done what `ready` asked: records it durable, sent and applied.
    public mutating func advance(_ ready: RaftReady) {
        if let hardState = ready.hardState {
            log.storage.persisted(hardState: hardState)
            persistedHardState = hardState
        }
        if let snapshot = ready.snapshot {
            log.storage.persisted(snapshot: snapshot)
            if log.unstableSnapshot?.metadata.index == snapshot.metadata.index { log.unstableSnapshot = nil }
            log.applied = max(log.applied, snapshot.metadata.index)
        }
        if let last = ready.entries.last {
            log.storage.persisted(entries: ready.entries)
            log.stable(to: last.index, term: last.term)
        }
        for entry in ready.committedEntries where entry.index > log.applied {
            log.applied = entry.index
            switch entry.payload {
            case .normal(let data):
                if role == .leader { uncommittedBytes = max(0, uncommittedBytes - data.count) }
            case .configurationChange(let change):
                applyConfigurationChange(change)
            }
        }
        outbox.removeFirst(min(ready.messages.count, outbox.count))
        readStates.removeFirst(min(ready.readStates.count, readStates.count))
        leaveJointIfDue()
    }
}
