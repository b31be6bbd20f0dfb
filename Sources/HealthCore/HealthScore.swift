import FabricCore

/// What is known about one node's health: the inputs of its score.
public struct NodeHealth: Hashable, Sendable {
    /// Its membership status (mapped by the shell from the membership view).
    public var membership: MembershipObservation
    /// Its phi-accrual suspicion, or nil when it is not monitored (the local node).
    public var phi: Double?
    /// Lifeguard's local health multiplier, for the local node only.
    public var localHealth: LocalHealth?
    /// The results of the checks run against it (or, for the local node, in it).
    public var checks: [HealthCheckResult]

    /// A node's health inputs.
    public init(membership: MembershipObservation, phi: Double? = nil, localHealth: LocalHealth? = nil,
                checks: [HealthCheckResult] = []) {
        self.membership = membership
        self.phi = phi
        self.localHealth = localHealth
        self.checks = checks
    }
}

/// A node's health as one number from 0 (gone) to 100 (nothing wrong), with the factors it is
/// made of so that an operator can see why.
///
/// The formula: score = round(100 · m · p · l · c), each factor in [0, 1]:
/// - m, membership: alive 1; joining, leaving and suspect 0.5; unreachable 0.1; down and left 0.
/// - p, phi: 1 when not monitored or phi ≤ 1 (Akka's reading: phi 1 is a 10 % chance of a
///   mistake); 0 at or past the threshold; linear in between, (threshold − phi)/(threshold − 1).
///   A threshold ≤ 1 makes p a step: 1 below it, 0 at it.
/// - l, local health: 1 when not known; (maximum − multiplier)/maximum otherwise (Lifeguard's
///   multiplier 0 gives 1, its top value 1/maximum).
/// - c, checks: the worst of the checks' factors (1 with no checks): passing 1, warning and
///   pending 0.75, failing and stale 0.25. Only the first `Limits.healthChecksMax` are looked at.
/// A product, so any one bad sign pulls the score down, and a down node scores 0 whatever else.
public struct HealthScore: Hashable, Sendable, CustomStringConvertible {
    /// 0...100.
    public let value: Int
    /// The membership factor m.
    public let membershipFactor: Double
    /// The phi factor p.
    public let phiFactor: Double
    /// The local health factor l.
    public let localHealthFactor: Double
    /// The checks factor c.
    public let checksFactor: Double

    /// The score of `health` at `now` under `configuration`.
    public init(of health: NodeHealth, now: Instant, configuration: HealthEvaluatorConfiguration = .init()) {
        membershipFactor = Self.factor(of: health.membership)
        phiFactor = Self.factor(phi: health.phi, threshold: configuration.phiThreshold)
        localHealthFactor = health.localHealth.map(Self.factor(of:)) ?? 1
        checksFactor = health.checks.prefix(Limits.healthChecksMax).map {
            Self.factor(of: $0.effectiveStatus(now: now, staleAfterIntervals: configuration.checkStaleAfterIntervals))
        }.min() ?? 1
        let product = membershipFactor * phiFactor * localHealthFactor * checksFactor
        value = Int((100 * product).rounded())
    }

    /// m: how much the membership status allows.
    static func factor(of membership: MembershipObservation) -> Double {
        switch membership {
        case .alive: 1
        case .joining, .leaving, .suspect: 0.5
        case .unreachable: 0.1
        case .down, .left: 0
        }
    }

    /// p: 1 up to phi 1, 0 from the threshold, linear between.
    static func factor(phi: Double?, threshold: Double) -> Double {
        guard let phi, !phi.isNaN else { return phi == nil ? 1 : 0 }
        if phi >= threshold { return 0 }
        if phi <= 1 { return 1 }
        return (threshold - phi) / (threshold - 1)
    }

    /// l: the share of the multiplier's range still unused.
    static func factor(of localHealth: LocalHealth) -> Double {
        Double(localHealth.maximum - localHealth.multiplier) / Double(localHealth.maximum)
    }

    /// A check's factor.
    static func factor(of status: EffectiveCheckStatus) -> Double {
        switch status {
        case .passing: 1
        case .warning, .pending: 0.75
        case .failing, .stale: 0.25
        }
    }

    /// `score 42 (membership 0.5, phi 1, local health 1, checks 0.75)`.
    public var description: String {
        "score \(value) (membership \(membershipFactor), phi \(phiFactor), local health \(localHealthFactor), checks \(checksFactor))"
    }
}
