import FabricCore
import FabricReactor
import FabricWire

/// What the acceptor does with a hello (`Transport.admission`).
enum HelloAdmission {
    /// Welcome it: this connection is now the way to the node.
    case admit
    /// Refuse it, saying why.
    case refuse(RefusalReason, String)
    /// The hello names a node this node has a ready connection to: that connection is
    /// challenged first, and the claimant waits.
    case challenge(Connection)
}

/// What the dialer does with a welcome (`Transport.welcomeVerdict`).
enum WelcomeVerdict {
    /// Keep this connection: it is the way to the node.
    case keep
    /// Another connection to the node wins (tie-break); this one's queue moved there.
    case giveWay
    /// The dial was to `expected`, and another node answered.
    case wrongNode(expected: NodeId)
    /// The node answered with a generation declared down.
    case declaredDown
    /// A test partition cuts this node off from the one that answered.
    case partitioned
}

/// How a challenge of a ready connection ended.
enum ClaimVerdict {
    /// It answered: the node it leads to is alive, the claimant is refused.
    case answered
    /// It is closed, draining, or stayed silent for `Limits.claimChallengeTimeout` (it was
    /// then closed): the claimant may have the name.
    case gone
}

/// Name claims. A hello carries no proof of who sent it (until TLS binds names to certificates
/// or a cookie authenticates the handshake), so a hello naming a node this one is connected to
/// must not take that node's connection, nor fail its calls: the existing connection is pinged,
/// and if anything arrives on it within `Limits.claimChallengeTimeout` the claimant is refused.
/// A real restart still gets through: the old process's connection is closed (its kernel
/// resets it) or silent, and either ends the challenge for the claimant.
extension Transport {
    /// Challenges `existing`, the ready connection to `peer.node`, on behalf of `claimant`;
    /// `resume` runs on the claimant's loop with the verdict.
    func challenge(
        _ existing: Connection, claimedBy claimant: Connection, as peer: RemotePeer,
        then resume: @escaping @Sendable (ClaimVerdict) -> Void
    ) {
        peerTableCounters.add(.claimsChallenged)
        log(.warning, "\(claimant): a hello claims \(peer.node), which \(existing) leads to; checking that it is alive")
        let limits = configuration.limits
        existing.loop.execute { [self] in
            guard existing.phase == .ready else {
                return finishChallenge(.gone, of: peer, claimant: claimant, resume: resume)
            }
            // Both instants are on the existing connection's loop clock (`lastReceived` is its
            // turn start when bytes arrived), so they compare.
            let sentAt = existing.loop.now
            existing.pingToken &+= 1
            existing.sendSystem(.ping(existing.pingToken))
            watch(
                existing, pingedAt: sentAt, until: sentAt + limits.claimChallengeTimeout, for: peer,
                claimant: claimant, resume: resume)
        }
    }

    /// Looks at the challenged connection every `claimChallengeCheckInterval` until it answers,
    /// goes, or its time is up. On its loop.
    private func watch(
        _ existing: Connection, pingedAt sentAt: Instant, until deadline: Instant, for peer: RemotePeer,
        claimant: Connection, resume: @escaping @Sendable (ClaimVerdict) -> Void
    ) {
        let limits = configuration.limits
        _ = existing.loop.scheduleTimer(after: limits.claimChallengeCheckInterval) { [self] in
            if existing.phase != .ready {
                finishChallenge(.gone, of: peer, claimant: claimant, resume: resume)
            } else if existing.lastReceived > sentAt || existing.readHolds > 0 {
                // Anything read after the ping proves the peer alive; reads held by the layer
                // above mean frames are waiting, which counts too (the benefit of the doubt
                // goes to the connection that is known).
                finishChallenge(.answered, of: peer, claimant: claimant, resume: resume)
            } else if existing.loop.now >= deadline {
                let restarted = existing.remote.map { $0.generation != peer.generation } ?? false
                existing.close(
                    restarted
                        ? FabricError(.nodeDown, "\(peer.node) restarted: its old connection was silent for \(limits.claimChallengeTimeout)")
                        : FabricError(.nodeUnreachable, "\(peer.node) was silent for \(limits.claimChallengeTimeout) while a new connection claimed its name"))
                finishChallenge(.gone, of: peer, claimant: claimant, resume: resume)
            } else {
                watch(existing, pingedAt: sentAt, until: deadline, for: peer, claimant: claimant, resume: resume)
            }
        }
    }

    private func finishChallenge(
        _ verdict: ClaimVerdict, of peer: RemotePeer, claimant: Connection,
        resume: @escaping @Sendable (ClaimVerdict) -> Void
    ) {
        state.withLock { state in
            if let record = state.peers[peer.node], record.claimant === claimant { record.claimant = nil }
        }
        switch verdict {
        case .answered:
            peerTableCounters.add(.claimsRefused)
            log(.warning, "\(claimant): refused its claim of \(peer.node): the node's connection answered")
        case .gone:
            peerTableCounters.add(.claimsAdmitted)
            log(.info, "\(claimant): \(peer.node)'s previous connection is gone; the claim goes on")
        }
        claimant.loop.execute { resume(verdict) }
    }
}
