import FabricCore

/// What the local node knows about itself, at one instant: the inputs of liveness and
/// readiness (the shell gathers them; nothing here is measured by the core).
public struct LocalNodeObservation: Hashable, Sendable {
    /// This node's own status in its membership view.
    public var membership: MembershipObservation
    /// Members it currently sees as reachable, itself included.
    public var reachableMembers: Int
    /// How late the event loops' last timer fired (the largest over the loops), or nil if not
    /// measured.
    public var loopLag: Duration?
    /// Lifeguard's local health multiplier, or nil if membership does not run Lifeguard.
    public var localHealth: LocalHealth?
    /// The local checks' results.
    public var checks: [HealthCheckResult]

    /// An observation.
    public init(membership: MembershipObservation, reachableMembers: Int, loopLag: Duration? = nil,
                localHealth: LocalHealth? = nil, checks: [HealthCheckResult] = []) {
        self.membership = membership
        self.reachableMembers = reachableMembers
        self.loopLag = loopLag
        self.localHealth = localHealth
        self.checks = checks
    }
}

/// The local node's liveness, readiness and score at one instant.
public struct LocalHealthReport: Hashable, Sendable {
    /// Whether the process can do its work.
    public let liveness: Liveness
    /// Whether it should be sent work.
    public let readiness: Readiness
    /// Its health score (with no phi: a node does not monitor itself).
    public let score: HealthScore
}

/// Computes liveness, readiness and scores from observations: pure, so every rule is a test
/// (the rules are written on `Liveness` and `Readiness`).
public struct HealthEvaluator: Hashable, Sendable {
    /// The thresholds the rules use.
    public let configuration: HealthEvaluatorConfiguration

    /// An evaluator; `configuration` must be valid (`validate()`; a programmer error otherwise,
    /// since the shell validates configuration when it starts).
    public init(configuration: HealthEvaluatorConfiguration = .init()) {
        do {
            try configuration.validate()
        } catch {
            preconditionFailure("invalid health evaluator configuration: \(error)")
        }
        self.configuration = configuration
    }

    /// Liveness, readiness and score of the local node at `now`.
    public func evaluate(_ observation: LocalNodeObservation, now: Instant) -> LocalHealthReport {
        let health = NodeHealth(membership: observation.membership, localHealth: observation.localHealth,
                                checks: observation.checks)
        return LocalHealthReport(
            liveness: liveness(observation, now: now), readiness: readiness(observation, now: now),
            score: HealthScore(of: health, now: now, configuration: configuration))
    }

    /// The score of any node.
    public func score(of health: NodeHealth, now: Instant) -> HealthScore {
        HealthScore(of: health, now: now, configuration: configuration)
    }

    /// Liveness: the rules on `Liveness`.
    public func liveness(_ observation: LocalNodeObservation, now: Instant) -> Liveness {
        let reasons = livenessReasons(observation, now: now)
        return reasons.isEmpty ? .live : .notLive(reasons: reasons)
    }

    /// Readiness: the rules on `Readiness`.
    public func readiness(_ observation: LocalNodeObservation, now: Instant) -> Readiness {
        var reasons = livenessReasons(observation, now: now)
        if observation.membership != .alive {
            reasons.append("this node is \(observation.membership), not alive: \(Self.explanation(observation.membership))")
        }
        if observation.reachableMembers < configuration.minimumMembers {
            reasons.append("\(observation.reachableMembers) members reachable, fewer than the \(configuration.minimumMembers) required")
        }
        for check in observation.checks.prefix(Limits.healthChecksMax) where check.isRequired {
            let status = effectiveStatus(of: check, now: now)
            if !status.allowsReadiness && !status.isFailing {
                reasons.append("required check \(check.name) is \(status.summary)")
            }
        }
        if observation.checks.count > Limits.healthChecksMax {
            reasons.append("\(observation.checks.count - Limits.healthChecksMax) checks past the limit of \(Limits.healthChecksMax) were not looked at")
        }
        return reasons.isEmpty ? .ready : .notReady(reasons: reasons)
    }

    /// The liveness rules that do not hold (shared with readiness, whose rule 1 is liveness).
    func livenessReasons(_ observation: LocalNodeObservation, now: Instant) -> [String] {
        var reasons: [String] = []
        if let lag = observation.loopLag, lag > configuration.loopLagMax {
            reasons.append("loop lag \(lag) is over the \(configuration.loopLagMax) allowed")
        }
        if configuration.saturatedLocalHealthIsNotLive, let local = observation.localHealth, local.isSaturated {
            reasons.append("local health multiplier is saturated at \(local.multiplier) (of 0..<\(local.maximum))")
        }
        for check in observation.checks.prefix(Limits.healthChecksMax) where check.isRequired {
            let status = effectiveStatus(of: check, now: now)
            if status.isFailing { reasons.append("required check \(check.name) is \(status.summary)") }
        }
        if observation.membership == .down {
            reasons.append("this node was declared down: restart it to rejoin with a new generation")
        }
        return reasons
    }

    /// A check's status at `now` with this configuration's stale factor.
    func effectiveStatus(of check: HealthCheckResult, now: Instant) -> EffectiveCheckStatus {
        check.effectiveStatus(now: now, staleAfterIntervals: configuration.checkStaleAfterIntervals)
    }

    /// Why a status other than alive is not ready.
    static func explanation(_ membership: MembershipObservation) -> String {
        switch membership {
        case .joining: "it has not been seen as up yet"
        case .alive: "it is up"
        case .suspect: "the cluster suspects it and it has not refuted yet"
        case .unreachable: "the cluster cannot reach it"
        case .leaving: "it is leaving"
        case .down: "it was declared down"
        case .left: "it has left"
        }
    }
}
