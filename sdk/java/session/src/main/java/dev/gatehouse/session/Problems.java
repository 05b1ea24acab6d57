package dev.gatehouse.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.client.ApiException;
import dev.gatehouse.client.model.Problem;
import java.io.IOException;
import java.net.http.HttpHeaders;

/**
 * Every Gatehouse error is an RFC 9457 problem+json document, but the generated client hands it
 * over as the raw body of an {@link ApiException}: this reads it as the typed {@link Problem},
 * with the client's own ObjectMapper (unknown members, such as a weak password's {@code rule},
 * are ignored).
 */
final class Problems {
  private Problems() {}

  static Problem read(ApiException e, ObjectMapper mapper) throws IOException {
    return read(e, mapper, Problem.class);
  }

  /** The problem as one of the Problem's extensions, e.g. {@code MfaRequiredProblem}. */
  static <T> T read(ApiException e, ObjectMapper mapper, Class<T> as) throws IOException {
    String body = e.getResponseBody();
    HttpHeaders headers = e.getResponseHeaders();
    String type = headers == null ? "" : headers.firstValue("Content-Type").orElse("");
    if (body == null || body.isBlank() || !type.startsWith("application/problem+json")) {
      throw new IOException("status " + e.getCode() + " without a problem document (" + type + "): " + body);
    }
    return mapper.readValue(body, as);
  }
}
