import Distributed
import FabricCore
import Synchronization

/// The local actors of one system, by path, held weakly.
///
/// A name is reserved before the actor exists (`reserve`), so `assignID` — which cannot throw —
/// never meets a taken name. Deinitialisers call `resignID`, which takes this lock: so nothing
/// here ever makes a strong reference to an actor while holding it. Loading a weak reference
/// makes one, and if the actor's last other owner lets go meanwhile, releasing that temporary
/// runs the deinit — under the lock, which `resignID` then takes again (a deadlock). So entries
/// are copied out under the lock (a copy of a weak reference is another weak reference) and
/// only loaded after it is released; whether a path is taken is decided by the entry alone
/// (an actor that died is resigned by its deinit, which removes its entry).
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
            // An entry stays until its actor resigns (from its deinit) or its reservation is
            // cancelled; a name whose actor is dying is taken until then.
            guard entries[path] == nil else { return false }
            entries[path] = Entry(actor: nil, isReservation: true)
            return true
        }
    }

    /// Releases a reservation that was never used (the factory threw).
    func cancelReservation(_ path: String) {
        entries.withLock { entries in
            if entries[path]?.isReservation == true { entries[path] = nil }
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
        let entry = entries.withLock { $0[path] }
        return entry?.actor  // loaded outside the lock
    }

    var count: Int {
        let all = entries.withLock { Array($0.values) }
        return all.filter { $0.actor != nil }.count  // loaded outside the lock
    }
}
