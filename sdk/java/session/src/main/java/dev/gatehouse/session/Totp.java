package dev.gatehouse.session;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What an authenticator app does with an {@code otpauth://totp/...} URI: reads its label and
 * parameters, and shows the RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s steps) for a moment.
 */
final class Totp {
  final String label;
  final Map<String, String> parameters = new HashMap<>();
  private final byte[] key;

  Totp(String otpauthUri) {
    URI uri = URI.create(otpauthUri);
    if (!"otpauth".equals(uri.getScheme()) || !"totp".equals(uri.getHost())) {
      throw new IllegalArgumentException("not an otpauth://totp URI: " + otpauthUri);
    }
    label = uri.getPath().substring(1);
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      parameters.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
    }
    key = base32(parameters.get("secret"));
  }

  /** The code at {@code epochSeconds}. */
  String code(long epochSeconds) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(key, "HmacSHA1"));
    byte[] digest = mac.doFinal(ByteBuffer.allocate(8).putLong(epochSeconds / 30).array());
    int offset = digest[digest.length - 1] & 0x0f;
    int binary = ByteBuffer.wrap(digest, offset, 4).getInt() & 0x7fffffff;
    return String.format("%06d", binary % 1_000_000);
  }

  private static byte[] base32(String text) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    ByteBuffer out = ByteBuffer.allocate(text.length() * 5 / 8);
    int buffer = 0;
    int bits = 0;
    for (char c : text.replace("=", "").toUpperCase(java.util.Locale.ROOT).toCharArray()) {
      int value = alphabet.indexOf(c);
      if (value < 0) {
        throw new IllegalArgumentException("not base32: " + c);
      }
      buffer = (buffer << 5) | value;
      bits += 5;
      if (bits >= 8) {
        out.put((byte) (buffer >> (bits - 8)));
        bits -= 8;
      }
    }
    return out.array();
  }
}
