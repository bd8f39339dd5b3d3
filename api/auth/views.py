"""Register (applicants), log in (everyone), refresh, log out, change one's password, and one's
own profile."""

from flask.views import MethodView

from api.auth.schemas import (
    CodeSentSchema,
    ConfirmedSchema,
    ConfirmPhoneSchema,
    LoginSchema,
    PasswordChangeSchema,
    ProfileSchema,
    RefreshSchema,
    RegisterSchema,
    ResendCodeSchema,
    TokenSchema,
    UserSchema,
)
from api.auth.tokens import current_actor, current_session, issue_token
from api.blueprint import Blueprint
from api.throttling import (
    login_per_account,
    login_per_address,
    one_time_code_per_phone,
    register_per_address,
)
from workflow.personal_data import mask_phone
from workflow.services import accounts, phone_confirmation, sessions

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")


def _token_body(grant: sessions.Grant) -> dict:
    token, ttl = issue_token(grant.user, grant.family_id)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": grant.refresh_token,
        "user": grant.user,
    }


def _code_sent(phone: str) -> dict:
    masked = mask_phone(phone)
    return {
        "message": f"If these details can be used, a 6-digit code has been sent by SMS to"
        f" {masked}.",
        "phone_masked": masked,
    }


_IDENTITY_CLAIM = (
    "Another account holds this identity number. Bring your identity card to a talent service"
    " window: a clerk checks it and moves the number to your account."
)


@blp.route("/register")
class Register(MethodView):
    @register_per_address
    @one_time_code_per_phone
    @blp.doc(security=[])
    @blp.arguments(RegisterSchema)
    @blp.response(202, CodeSentSchema)
    def post(self, args):
        """Register as an applicant (your phone number is your username)

        A 6-digit code is sent to the phone by SMS; send it to /auth/confirm-phone to confirm
        the phone, which gives your first tokens. The answer is the same whether or not the
        phone or the identity number is known already.
        """
        return _code_sent(phone_confirmation.register_applicant(**args))


@blp.route("/resend-code")
class ResendCode(MethodView):
    @one_time_code_per_phone
    @blp.doc(security=[])
    @blp.arguments(ResendCodeSchema)
    @blp.response(202, CodeSentSchema)
    def post(self, args):
        """Send a new code to a registered phone not yet confirmed (the last code sent is the
        one that counts)"""
        return _code_sent(phone_confirmation.resend_code(args["phone"]))


@blp.route("/confirm-phone")
class ConfirmPhone(MethodView):
    @blp.doc(security=[])
    @blp.arguments(ConfirmPhoneSchema)
    @blp.response(200, ConfirmedSchema)
    def post(self, args):
        """Confirm your phone with the code sent to it: your account can log in from now on

        A wrong, expired or spent code is 400; after 5 wrong tries the code is void. When
        another account holds your identity number, `identity_claim` says how a window
        resolves it.
        """
        grant, claimed = sessions.confirm_phone(args["phone"], args["code"])
        return {**_token_body(grant), "identity_claim": _IDENTITY_CLAIM if claimed else None}


@blp.route("/login")
class Login(MethodView):
    @login_per_address
    @login_per_account
    @blp.doc(security=[])
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, args):
        """Log in with a phone number (applicants) or a staff username

        After several wrong passwords in a row the account is locked for a while (longer each
        time); while locked, every attempt gets the wrong password's 401. Too many attempts
        for one account or from one address are 429 with Retry-After.
        """
        return _token_body(sessions.log_in(args["username"], args["password"]))


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.doc(security=[])
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenSchema)
    def post(self, args):
        """A new access token and a new refresh token for a refresh token, which is spent

        A refresh token used a second time ends its whole session (401): a copy of it is in
        someone else's hands.
        """
        return _token_body(sessions.refresh(args["refresh_token"]))


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        """End this session: its refresh token and access tokens stop working"""
        sessions.log_out(current_session())


@blp.route("/password")
class Password(MethodView):
    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenSchema)
    def post(self, args):
        """Change your password; every other session ends, and you get a new one"""
        return _token_body(
            sessions.change_password(
                current_actor().user_id, args["current_password"], args["new_password"]
            )
        )


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """Your account"""
        return accounts.get_profile(current_actor())

    @blp.arguments(ProfileSchema)
    @blp.response(200, UserSchema)
    def patch(self, args):
        """Set the email address your notices go to (null removes it) and their language"""
        return accounts.update_profile(current_actor(), **args)
