import Distributed
import FabricCore
import Synchronization

/// The local actors of one system, by path, held weakly.
///
/// A name is reserved before the actor exists (`reserve`), so `assignID` — which cannot throw —
/// never meets a taken name. Deinitialisers call `resignID`, which takes this lock: so nothing
/// here ever releases an actor while holding it (lookups copy the strong reference out first).
final class ActorRegistry: Sendable {
    private struct Entry {
        weak var actor: (any DistributedActor)?
        /// Reserved by `make(name:)` but not yet ready.
        var isReservation: Bool
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let nextTemporary = Atomic<UInt64>(0)
    /// Moves whenever an actor joins or leaves: a lookup remembered elsewhere (the receive
    /// path's per-connection cache) is good while this has not moved.
    let version = Atomic<UInt64>(0)

    /// Reserves `path` for an actor about to be made; false when the path is taken.
    func reserve(_ path: String) -> Bool {
        entries.withLock { entries in
            if let existing = entries[path], existing.isReservation || existing.actor != nil { return false }
            entries[path] = Entry(actor: nil, isReservation: true)
            return true
        }
    }

    /// Releases a reservation that was never used (the factory threw).
    func cancelReservation(_ path: String) {
        entries.withLock { entries in
            if entries[path]?.isReservation == true, entries[path]?.actor == nil { entries[path] = nil }
        }
    }

    /// A fresh path for an actor without a name.
    func temporaryPath() -> String {
        "/temp/\(nextTemporary.add(1, ordering: .relaxed).newValue)"
    }

    func ready(_ actor: some DistributedActor, path: String) {
        entries.withLock { $0[path] = Entry(actor: actor, isReservation: false) }
        version.add(1, ordering: .releasing)
    }

    /// Forgets `path`. Safe to call from a deinit: releases nothing under the lock.
    func resign(_ path: String) {
        entries.withLock { _ = $0.removeValue(forKey: path) }
        version.add(1, ordering: .releasing)
    }

    func actor(at path: String) -> (any DistributedActor)? {
        entries.withLock { $0[path]?.actor }
    }

    var count: Int { entries.withLock { $0.values.filter { $0.actor != nil }.count } }
}
