"""Register (applicants), log in (everyone), and one's own profile."""

from flask.views import MethodView

from api.auth.schemas import LoginSchema, ProfileSchema, RegisterSchema, TokenSchema, UserSchema
from api.auth.tokens import current_actor, issue_token
from api.blueprint import Blueprint
from workflow.services import accounts

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")


def _token_body(user) -> dict:
    token, ttl = issue_token(user)
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "user": user}


@blp.route("/register")
class Register(MethodView):
    @blp.doc(security=[])
    @blp.arguments(RegisterSchema)
    @blp.response(201, TokenSchema)
    def post(self, args):
        """Register as an applicant (your phone number is your username)"""
        return _token_body(accounts.register_applicant(**args))


@blp.route("/login")
class Login(MethodView):
    @blp.doc(security=[])
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, args):
        """Log in with a phone number (applicants) or a staff username"""
        return _token_body(accounts.authenticate(args["username"], args["password"]))


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
