import FabricCore

/// Number formatting without Foundation.
enum SWIMFormat {
    /// Seconds with up to 3 decimals.
    static func seconds(_ duration: Duration) -> String { decimal(Double(duration.nanoseconds) / 1e9) }

    /// `value` rounded to 3 decimals, in plain notation.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let thousandths = Int64((value * 1000).rounded())
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = thousandths.magnitude
        let fraction = magnitude % 1000
        let whole = "\(sign)\(magnitude / 1000)"
        guard fraction != 0 else { return whole }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return whole + "." + digits
    }
}
