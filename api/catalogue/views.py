"""Public reference data: the eight policies (with their forms) and the 23 windows."""

from flask.views import MethodView

from api.blueprint import Blueprint
from api.catalogue.schemas import PolicySchema, PolicyVersionSchema, WindowSchema
from api.pagination import MAX_ID
from workflow.db import Session
from workflow.errors import NotFound
from workflow.repositories import policy_versions, reference

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="Policies and windows")


@blp.route("/policies")
class Policies(MethodView):
    @blp.doc(security=[])
    @blp.response(200, PolicySchema(many=True))
    def get(self):
        """The policies a talent can apply for, each with its form and review route"""
        return reference.list_policies(Session())


@blp.route("/policies/<string:code>")
class PolicyByCode(MethodView):
    @blp.doc(security=[])
    @blp.response(200, PolicySchema)
    def get(self, code):
        """One policy"""
        policy = reference.get_policy(Session(), code)
        if policy is None:
            raise NotFound(f"There is no policy {code!r}.")
        return policy


@blp.route(f"/policies/<string:code>/versions/<int(max={MAX_ID}):version>")
class PolicyVersionByNumber(MethodView):
    @blp.doc(security=[])
    @blp.response(200, PolicyVersionSchema)
    def get(self, code, version):
        """One version of a policy: the form, documents and rules a case filed under it is held
        to (a correction is answered on this form, not on a newer one)"""
        found = policy_versions.get_version(Session(), code, version)
        if found is None:
            raise NotFound(f"Policy {code!r} has no version {version}.")
        return found


@blp.route("/windows")
class Windows(MethodView):
    @blp.doc(security=[])
    @blp.response(200, WindowSchema(many=True))
    def get(self):
        """The talent service windows"""
        return reference.list_windows(Session())
