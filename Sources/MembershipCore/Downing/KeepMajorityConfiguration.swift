import FabricCore

/// How long the keep-majority resolver waits before it acts on a partition (Akka's Split
/// Brain Resolver: `stable-after` and `down-all-when-unstable`).
///
/// Tuning:
/// - `stableAfter` must be long enough that the failure detector and membership have settled
///   on both sides of a partition (each side must see the other as unreachable before either
///   decides), and that short hiccups heal before anything is downed. It grows with cluster
///   size because dissemination takes longer: `recommendedStableAfter(memberCount:)` gives
///   max(5 s, 10 s · log10 n) (5 members 7 s, 10 → 10 s, 100 → 20 s, 1000 → 30 s), which
///   matches the sizes Akka's documentation recommends. The default is Akka's 20 s.
/// - `downAllWhenUnstable` bounds how long decisions may be deferred: if some member stays
///   unreachable while the view keeps changing (a flapping link), `stableAfter` +
///   `downAllWhenUnstable` after the first unreachability every member is downed, this node
///   included, rather than risking two sides deciding differently on views that never settle.
///   Akka enables it by default at 3/4 of `stableAfter`; so does Fabric. nil turns it off:
///   then an unstable network defers decisions for as long as it stays unstable.
public struct KeepMajorityConfiguration: Hashable, Sendable {
    /// How long the view must stay unchanged, with members unreachable, before the resolver
    /// decides (Akka: 20 s).
    public let stableAfter: Duration
    /// How long past `stableAfter` an unsettled partition may last before everything is downed
    /// (default 3/4 of `stableAfter`; nil: never).
    public let downAllWhenUnstable: Duration?

    /// Akka's defaults: 20 s, and down-all after another 15 s.
    public static let standard = KeepMajorityConfiguration(
        uncheckedStableAfter: .seconds(20), downAllWhenUnstable: .seconds(15))

    /// When to down everything in a partition that does not settle.
    public enum DownAllWhenUnstable: Hashable, Sendable {
        /// 3/4 of `stableAfter` after it (Akka's default).
        case threeQuartersOfStableAfter
        /// This long after `stableAfter`.
        case after(Duration)
        /// Never: decisions wait for the view to settle, however long that takes.
        case off
    }

    /// A configuration, or `invalidArgument` unless `stableAfter` is positive (a zero window
    /// would be plain timeout auto-down) and a `downAllWhenUnstable` duration is not negative.
    public init(
        stableAfter: Duration = .seconds(20), downAllWhenUnstable: DownAllWhenUnstable = .threeQuartersOfStableAfter
    ) throws(FabricError) {
        guard stableAfter > .zero else {
            throw .invalidArgument("stableAfter \(stableAfter) is not positive: deciding at once would be timeout auto-down")
        }
        let extra: Duration? = switch downAllWhenUnstable {
        case .threeQuartersOfStableAfter: stableAfter * 3 / 4
        case .after(let given): given
        case .off: nil
        }
        if let extra, extra < .zero {
            throw .invalidArgument("downAllWhenUnstable \(extra) is negative")
        }
        self.init(uncheckedStableAfter: stableAfter, downAllWhenUnstable: extra)
    }

    private init(uncheckedStableAfter stableAfter: Duration, downAllWhenUnstable: Duration?) {
        self.stableAfter = stableAfter
        self.downAllWhenUnstable = downAllWhenUnstable
    }

    /// The configuration for a cluster of `memberCount` members: `recommendedStableAfter`, and
    /// down-all after 3/4 of it.
    public static func scaled(forMemberCount memberCount: Int) -> KeepMajorityConfiguration {
        let stableAfter = recommendedStableAfter(memberCount: memberCount)
        return KeepMajorityConfiguration(uncheckedStableAfter: stableAfter, downAllWhenUnstable: stableAfter * 3 / 4)
    }

    /// max(5 s, 10 s · log10 n), rounded to the millisecond: the window grows with the time
    /// gossip needs to reach every member (O(log n) periods, Das et al. 2002, §5).
    public static func recommendedStableAfter(memberCount: Int) -> Duration {
        let count = Double(max(memberCount, 1))
        let milliseconds = (10_000 * DowningMath.log10(count)).rounded()
        return .milliseconds(max(5000, Int(milliseconds)))
    }
}

/// log10 for the resolver's window scaling (`Logarithm`, shared by the pure modules).
enum DowningMath {
    /// log10 of a positive finite `x`.
    static func log10(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log10 of \(x)")
        return Logarithm.base10(x)
    }
}
