"""Identity claims: a registration naming an identity number another account holds, decided at
a window after the clerk has checked the person's identity card."""

from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.identity_claims.schemas import (
    IdentityClaimDecisionSchema,
    IdentityClaimPageSchema,
    IdentityClaimSchema,
)
from api.pagination import MAX_ID, PageArgsSchema, decode_cursor, page
from workflow.services.identity_claims import decide_claim, list_open_claims

blp = Blueprint(
    "identity_claims",
    __name__,
    url_prefix="/api/v1/identity-claims",
    description="Identity numbers claimed by a second account, decided at a window",
)


@blp.route("")
class IdentityClaims(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, IdentityClaimPageSchema)
    def get(self, args):
        """Open claims, newest first (window clerks of any window, the talent office, admins)"""
        items = list_open_claims(
            current_actor(), before_id=decode_cursor(args["cursor"]), limit=args["limit"]
        )
        return page(items, args["limit"])


@blp.route(f"/<int(max={MAX_ID}):claim_id>/decision")
class IdentityClaimDecision(MethodView):
    @blp.arguments(IdentityClaimDecisionSchema)
    @blp.response(200, IdentityClaimSchema)
    def post(self, args, claim_id):
        """Grant or refuse a claim, after checking the person's identity card in person

        Granting moves the number to the claimant; the account that held it loses it and is
        deactivated. A claim is decided once (409 after).
        """
        return decide_claim(current_actor(), claim_id, args["decision"], args["comment"])
