package io.ecolens.report;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/** Number formats for people: percentages, counts with thousands separators, money, durations. */
final class Formats {
  /** Shown where a figure is missing. */
  static final String NOT_AVAILABLE = "not available";

  private Formats() {}

  /** A share in 0..1 as a percentage: two decimals under 10%, one above, e.g. 2.35% or 41.2%. */
  static String percent(Double share) {
    if (share == null || share.isNaN()) {
      return NOT_AVAILABLE;
    }
    double pct = share * 100;
    return format(Math.abs(pct) < 10 ? "0.00" : "0.0", pct) + "%";
  }

  /** A count with thousands separators, e.g. 12,345. */
  static String count(Long value) {
    return value == null ? NOT_AVAILABLE : format("#,##0", value);
  }

  /** A count that is stored as a double (metric values); rounds to a whole number. */
  static String count(Double value) {
    return value == null || value.isNaN() ? NOT_AVAILABLE : format("#,##0", Math.round(value));
  }

  /** US dollars: cents, or four decimals under one dollar so small spends stay visible. */
  static String usd(Double value) {
    if (value == null || value.isNaN()) {
      return NOT_AVAILABLE;
    }
    return "$" + format(value != 0 && Math.abs(value) < 1 ? "#,##0.0000" : "#,##0.00", value);
  }

  /** A duration: 0.42 s, 12.3 s, 2 min 05 s. */
  static String seconds(Double value) {
    if (value == null || value.isNaN()) {
      return NOT_AVAILABLE;
    }
    if (value < 1) {
      return format("0.00", value) + " s";
    }
    if (value < 60) {
      return format("0.0", value) + " s";
    }
    long whole = Math.round(value);
    return format("#,##0", whole / 60) + " min " + format("00", whole % 60) + " s";
  }

  /** A plain decimal with up to {@code digits} fraction digits, e.g. for CSS widths. */
  static String decimal(double value, int digits) {
    return format("0." + "#".repeat(Math.max(1, digits)), value);
  }

  private static String format(String pattern, double value) {
    return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.US)).format(value);
  }

  private static String format(String pattern, long value) {
    return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.US)).format(value);
  }
}
