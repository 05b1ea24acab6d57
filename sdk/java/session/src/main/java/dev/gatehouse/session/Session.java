package dev.gatehouse.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.client.ApiClient;
import dev.gatehouse.client.ApiException;
import dev.gatehouse.client.ApiResponse;
import dev.gatehouse.client.api.AuthApi;
import dev.gatehouse.client.api.SystemApi;
import dev.gatehouse.client.api.UsersApi;
import dev.gatehouse.client.model.MfaLoginRequest;
import dev.gatehouse.client.model.MfaLoginWithCode;
import dev.gatehouse.client.model.MfaMethod;
import dev.gatehouse.client.model.MfaRequiredProblem;
import dev.gatehouse.client.model.PasswordChange;
import dev.gatehouse.client.model.Problem;
import dev.gatehouse.client.model.RefreshRequest;
import dev.gatehouse.client.model.Role;
import dev.gatehouse.client.model.SessionList;
import dev.gatehouse.client.model.TokenRequest;
import dev.gatehouse.client.model.TokenResponse;
import dev.gatehouse.client.model.TotpConfirm;
import dev.gatehouse.client.model.TotpEnrolment;
import dev.gatehouse.client.model.User;
import dev.gatehouse.client.model.UserAdminUpdate;
import dev.gatehouse.client.model.UserCreate;
import dev.gatehouse.client.model.UserPage;
import dev.gatehouse.client.model.UserSelfUpdate;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One scripted client session through the generated Java client: one line per step, and an
 * exception (exit status 1) on the first result that is not the expected one.
 *
 * <p>Env: GATEHOUSE_URL, GATEHOUSE_ADMIN_USERNAME, GATEHOUSE_ADMIN_PASSWORD.
 */
public final class Session {
  // The transcript is UTF-8 whatever the locale, so a non-ASCII name prints as itself.
  private static final PrintStream OUT =
      new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
  private static final String NON_ASCII_NAME = "Zoë Ångström";

  private final String baseUrl;
  private final ApiClient anonymous;
  private int step;

  private Session(String baseUrl) {
    this.baseUrl = baseUrl;
    this.anonymous = client(null);
  }

  public static void main(String[] args) throws Exception {
    String url = env("GATEHOUSE_URL");
    String adminUsername = env("GATEHOUSE_ADMIN_USERNAME");
    String adminPassword = env("GATEHOUSE_ADMIN_PASSWORD");
    try {
      new Session(url).run(adminUsername, adminPassword);
    } catch (Exception | AssertionError e) {
      OUT.println("FAILED: " + e);
      if (e instanceof ApiException) {
        OUT.println("  body: " + ((ApiException) e).getResponseBody());
      }
      System.exit(1);
    }
    OUT.println("session: all steps passed");
  }

  private void run(String adminUsername, String adminPassword) throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String username = "java_" + suffix;
    String email = username + "@example.com";
    String password = "violet kettle orbit meadow " + suffix;
    String newPassword = "amber lantern glacier thimble " + suffix;
    UsersApi anonUsers = new UsersApi(anonymous);
    AuthApi anonAuth = new AuthApi(anonymous);

    UserCreate signUp = new UserCreate().username(username).email(email).password(password);
    User created = anonUsers.createUser(signUp);
    check(username.equals(created.getUsername()), "created username " + created.getUsername());
    check(List.of(Role.USER).equals(created.getRoles()), "new user's roles " + created.getRoles());
    log("sign-up", "201 " + created.getUsername() + " roles=" + created.getRoles());

    TokenResponse tokens = anonAuth.createToken(new TokenRequest().username(username).password(password));
    check(tokens.getTokenType() == TokenResponse.TokenTypeEnum.BEARER, "token " + tokens.getTokenType());
    log("login", "200 token_type=" + tokens.getTokenType() + " expires_in=" + tokens.getExpiresIn());

    ApiClient me = client(tokens.getAccessToken());
    UsersApi users = new UsersApi(me);
    User self = users.getMe(null);
    check(created.getId().equals(self.getId()), "me is " + self.getId());
    log("get me", "200 username=" + self.getUsername() + " full_name=" + self.getFullName());

    User named = users.updateMe(new UserSelfUpdate().fullName(NON_ASCII_NAME));
    check(NON_ASCII_NAME.equals(named.getFullName()), "full_name " + named.getFullName());
    check(NON_ASCII_NAME.equals(users.getMe(null).getFullName()), "full_name read back");
    log("patch me", "200 full_name=" + named.getFullName() + " (read back equal)");

    // The body the client sends is its ObjectMapper's rendering of the model.
    UserSelfUpdate clear = new UserSelfUpdate().fullName(null);
    String clearBody = me.getObjectMapper().writeValueAsString(clear);
    check("{\"full_name\":null}".equals(clearBody), "clearing body " + clearBody);
    User cleared = users.updateMe(clear);
    check(cleared.getFullName() == null, "full_name after clearing " + cleared.getFullName());
    log("patch me", "200 sent " + clearBody + " -> full_name=" + cleared.getFullName());

    users.changePassword(new PasswordChange().currentPassword(password).newPassword(newPassword));
    log("change password", "204");
    TokenResponse second = anonAuth.createToken(new TokenRequest().username(username).password(newPassword));
    log("login", "200 with the new password");

    SessionList sessions = new UsersApi(client(second.getAccessToken())).listMySessions();
    long current = sessions.getItems().stream().filter(s -> Boolean.TRUE.equals(s.getCurrent())).count();
    check(current == 1, "sessions " + sessions.getItems());
    log("list my sessions", "200 " + sessions.getItems().size() + " session(s), " + current + " current");

    RefreshRequest refresh = new RefreshRequest().refreshToken(second.getRefreshToken());
    TokenResponse rotated = anonAuth.refreshToken(refresh);
    check(!rotated.getRefreshToken().equals(second.getRefreshToken()), "refresh token not rotated");
    log("refresh", "200 new refresh token");

    new AuthApi(client(rotated.getAccessToken())).logout();
    log("logout", "204");
    RefreshRequest spentToken = new RefreshRequest().refreshToken(rotated.getRefreshToken());
    Problem spent = expectProblem(401, () -> anonAuth.refreshToken(spentToken));
    log("refresh after logout", "401 type=" + spent.getType());

    Problem duplicate = expectProblem(409, () -> anonUsers.createUser(signUp));
    check(duplicate.getStatus() == 409 && duplicate.getRequestId() != null, "problem " + duplicate);
    log("duplicate sign-up", "409 type=" + duplicate.getType() + " title=\"" + duplicate.getTitle()
        + "\" status=" + duplicate.getStatus() + " request_id=" + duplicate.getRequestId());

    // A second account, so that paging by two crosses a page even on a fresh database.
    anonUsers.createUser(new UserCreate().username(username + "_2").email(username + "_2@example.com")
        .password(newPassword));

    TokenRequest adminLogin = new TokenRequest().username(adminUsername).password(adminPassword);
    TokenResponse admin = anonAuth.createToken(adminLogin);
    ApiClient adminClient = client(admin.getAccessToken());
    UsersApi adminUsers = new UsersApi(adminClient);
    log("admin login", "200");
    int pages = 0;
    int seen = 0;
    boolean found = false;
    String cursor = null;
    do {
      UserPage page = adminUsers.listUsers(2, cursor, null, null, null);
      check(page.getItems().size() <= 2, "page of " + page.getItems().size());
      pages++;
      seen += page.getItems().size();
      found |= page.getItems().stream().anyMatch(u -> u.getId().equals(created.getId()));
      cursor = page.getNextCursor();
    } while (cursor != null);
    check(found && pages >= 2, "the new user on some page, in " + pages + " page(s)");
    log("admin pages users", pages + " page(s) of limit=2, " + seen + " user(s), new user among them");

    String etag = expectNotModified(users::getMeWithHttpInfo);
    log("conditional get me", "304 for If-None-Match " + etag + ": no data, the same ETag");

    UserAdminUpdate deactivate = new UserAdminUpdate().isActive(false);
    String updateBody = adminClient.getObjectMapper().writeValueAsString(deactivate);
    check(!updateBody.contains("roles"), "update body " + updateBody);
    User updated = adminUsers.updateUser(created.getId(), deactivate);
    check(!updated.getIsActive() && List.of(Role.USER).equals(updated.getRoles()), "updated " + updated);
    log("admin update user", "200 sent " + updateBody + " -> is_active=" + updated.getIsActive()
        + " roles=" + updated.getRoles());

    UUID id = created.getId();
    String userEtag = expectNotModified(ifNoneMatch -> adminUsers.getUserWithHttpInfo(id, ifNoneMatch));
    log("conditional get user", "304 for If-None-Match " + userEtag + ": no data, the same ETag");

    String yaml = new SystemApi(anonymous).getOpenApiYaml();
    check(yaml.startsWith("openapi:"), "YAML " + yaml.substring(0, Math.min(20, yaml.length())));
    String docs = new SystemApi(anonymous).getDocs();
    check(docs.toLowerCase(java.util.Locale.ROOT).contains("<html"), "docs page");
    log("text responses", "getOpenApiYaml " + yaml.length() + " chars, getDocs " + docs.length() + " chars");

    // What a later server may send: a field and a role this client does not know.
    ObjectMapper mapper = anonymous.getObjectMapper();
    String later = mapper.writeValueAsString(created)
        .replace("\"roles\":[\"user\"]", "\"roles\":[\"user\",\"auditor\"],\"avatar_url\":\"/a.png\"");
    User tolerant = mapper.readValue(later, User.class);
    List<Role> roles = tolerant.getRoles();
    check(List.of(Role.USER, Role.UNKNOWN_DEFAULT_OPEN_API).equals(roles), "roles " + roles);
    log("later fields", "a new field ignored, a new role read as " + roles.get(1));

    // MFA: the second user enrols an authenticator app with the otpauth URI, then logs in through
    // the MFA step with the app's code.
    TokenRequest otherLogin = new TokenRequest().username(username + "_2").password(newPassword);
    UsersApi other = new UsersApi(client(anonAuth.createToken(otherLogin).getAccessToken()));
    TotpEnrolment enrolment = other.startTotpEnrolment();
    Totp app = new Totp(enrolment.getOtpauthUri());
    check(app.label.equals("Gatehouse:" + username + "_2") && "Gatehouse".equals(app.parameters.get("issuer")),
        "otpauth URI " + enrolment.getOtpauthUri());
    log("mfa enrol", "201 otpauth://totp/" + app.label + " digits=" + app.parameters.get("digits")
        + " period=" + app.parameters.get("period"));
    long now = System.currentTimeMillis() / 1000;
    List<String> recovery = other.confirmTotpEnrolment(new TotpConfirm().code(app.code(now))).getRecoveryCodes();
    check(recovery.size() == 10, "recovery codes " + recovery);
    log("mfa confirm", "200 TOTP on, " + recovery.size() + " recovery codes");

    MfaRequiredProblem challenge;
    try {
      anonAuth.createToken(otherLogin);
      throw new AssertionError("expected 403 mfa-required, the login succeeded");
    } catch (ApiException e) {
      check(e.getCode() == 403, e.getCode() + " instead of 403: " + e.getResponseBody());
      challenge = Problems.read(e, anonymous.getObjectMapper(), MfaRequiredProblem.class);
    }
    check(challenge.getType().toString().endsWith("/mfa-required")
        && challenge.getMfaMethods().contains(MfaMethod.TOTP), "challenge " + challenge);
    log("login", "403 " + challenge.getType() + " mfa_methods=" + challenge.getMfaMethods());
    // The next step's code: the one just used to confirm is spent, and one step ahead is accepted.
    MfaLoginWithCode step = new MfaLoginWithCode().mfaToken(challenge.getMfaToken()).code(app.code(now + 30));
    TokenResponse mfaTokens = anonAuth.completeMfaLogin(new MfaLoginRequest(step));
    String payload = mfaTokens.getAccessToken().split("\\.")[1];
    List<?> amr = (List<?>) mapper.readValue(java.util.Base64.getUrlDecoder().decode(payload), java.util.Map.class)
        .get("amr");
    check(List.of("pwd", "otp").equals(amr), "amr " + amr);
    log("mfa login", "200 token_type=" + mfaTokens.getTokenType() + ", access token amr=" + amr);
  }

  /** A client for the server; with a token, every request carries it. */
  private ApiClient client(String accessToken) {
    ApiClient client = new ApiClient();
    client.updateBaseUri(baseUrl);
    if (accessToken != null) {
      client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + accessToken));
    }
    return client;
  }

  private interface Call {
    Object call() throws ApiException;
  }

  private interface ConditionalGet {
    ApiResponse<User> get(String ifNoneMatch) throws ApiException;
  }

  /** Gets a 200 with an ETag, then, sending it in If-None-Match, a 304 without data; returns it. */
  private static String expectNotModified(ConditionalGet get) throws ApiException {
    ApiResponse<User> fresh = get.get(null);
    String etag = header(fresh, "ETag");
    check(fresh.getStatusCode() == 200 && etag != null, "status " + fresh.getStatusCode() + ", ETag " + etag);
    ApiResponse<User> notModified = get.get(etag);
    int status = notModified.getStatusCode();
    check(status == 304 && notModified.getData() == null, "status " + status + " for If-None-Match");
    check(etag.equals(header(notModified, "ETag")), "ETag on 304 " + header(notModified, "ETag"));
    return etag;
  }

  /** Runs a call that must fail with {@code status}, and reads its body as a Problem. */
  private Problem expectProblem(int status, Call call) throws Exception {
    try {
      call.call();
    } catch (ApiException e) {
      check(e.getCode() == status, e.getCode() + " instead of " + status + ": " + e.getResponseBody());
      return Problems.read(e, anonymous.getObjectMapper());
    }
    throw new AssertionError("expected " + status + ", the call succeeded");
  }

  private static String header(ApiResponse<?> response, String name) {
    List<String> values = response.getHeaders().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private void log(String what, String result) {
    OUT.printf("%2d %-22s %s%n", ++step, what, result);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("unexpected: " + what);
    }
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      System.err.println(name + " is not set");
      System.exit(2);
    }
    return Objects.requireNonNull(value);
  }
}
