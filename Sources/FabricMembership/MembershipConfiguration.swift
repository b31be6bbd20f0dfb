import FabricCore
import MembershipCore

/// How a node runs membership: SWIM's timings (a profile), Lifeguard, and downing.
///
/// ```swift
/// var configuration = FabricNodeConfiguration(name: try NodeId("a"), listen: address)
/// configuration.membership = .test          // short intervals, for tests
/// configuration.membership?.downing = false // never down anyone automatically
/// ```
public struct MembershipConfiguration: Sendable, Hashable {
    /// A set of timings.
    public enum Profile: String, Sendable, Hashable, CaseIterable {
        /// memberlist's LAN defaults: probe every 1 s, 500 ms timeout, 3 indirect probes,
        /// suspicion ×4, gossip every 200 ms to 3 members, push-pull every 30 s.
        case lan
        /// memberlist's WAN defaults: probe every 5 s, 3 s timeout, suspicion ×6, gossip every
        /// 500 ms to 4 members, push-pull every 60 s.
        case wan
        /// Short intervals for tests of real processes on a loaded machine.
        case test
    }

    /// The timings.
    public var profile: Profile
    /// Lifeguard's extensions (local health, nacks, dynamic suspicion, buddy system); off is
    /// plain SWIM, for comparison.
    public var lifeguard = true
    /// How long the keep-majority resolver waits for a stable view before it downs the
    /// unreachable side (or this node, on the minority side); nil: the profile's (20 s on
    /// LAN and WAN as Akka, 3 s in `test`).
    public var stableAfter: Duration?
    /// Whether the keep-majority resolver downs members at all. Off, unreachable members stay
    /// unreachable until they come back or an operator downs them.
    public var downing = true

    /// A configuration with `profile`'s timings, Lifeguard and keep-majority downing.
    public init(profile: Profile) {
        self.profile = profile
    }

    /// memberlist's LAN defaults.
    public static let lan = MembershipConfiguration(profile: .lan)
    /// memberlist's WAN defaults.
    public static let wan = MembershipConfiguration(profile: .wan)
    /// Short intervals, for tests.
    public static let test = MembershipConfiguration(profile: .test)

    /// SWIM's settings.
    package var swim: SWIMConfiguration {
        var swim: SWIMConfiguration
        switch profile {
        case .lan: swim = .lan
        case .wan: swim = .wan
        case .test: swim = .test
        }
        swim.lifeguard = lifeguard
        return swim
    }

    /// The resolver's settings; nil when downing is off.
    package var keepMajority: KeepMajorityConfiguration? {
        guard downing else { return nil }
        let window = stableAfter ?? (profile == .test ? .seconds(3) : .seconds(20))
        return try? KeepMajorityConfiguration(stableAfter: window)
    }

    /// Why this configuration cannot run, or nil when it can (`FabricNode` throws
    /// `invalidArgument` with it rather than run without downing).
    package var invalidity: String? {
        if let stableAfter, stableAfter <= .zero {
            return "membership stableAfter \(stableAfter) is not positive (deciding at once would be timeout auto-down)"
        }
        return swim.invalidity
    }
}
