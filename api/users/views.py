"""Accounts, windows and departments, for admins."""

from flask.views import MethodView

from api.auth.tokens import current_actor
from api.blueprint import Blueprint
from api.catalogue.schemas import WindowSchema
from api.pagination import MAX_ID, decode_cursor, page
from api.users.schemas import (
    AdminUserPageSchema,
    AdminUserSchema,
    DepartmentSchema,
    StaffCreateSchema,
    UserChangeSchema,
    UserQueryArgsSchema,
)
from workflow.services import user_admin

blp = Blueprint(
    "users", __name__, url_prefix="/api/v1/admin", description="Accounts, windows, departments"
)


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQueryArgsSchema, location="query")
    @blp.response(200, AdminUserPageSchema)
    def get(self, args):
        """Accounts, newest first, optionally those whose username contains `username` (admin)"""
        items = user_admin.list_users(
            current_actor(), args["username"], decode_cursor(args["cursor"]), args["limit"]
        )
        return page(items, args["limit"])

    @blp.arguments(StaffCreateSchema)
    @blp.response(201, AdminUserSchema)
    def post(self, args):
        """Create a staff account (admin). Recorded."""
        return user_admin.add_staff(current_actor(), **args)


@blp.route(f"/users/<int(max={MAX_ID}):user_id>")
class UserItem(MethodView):
    @blp.arguments(UserChangeSchema)
    @blp.response(200, AdminUserSchema)
    def patch(self, args, user_id):
        """Deactivate, change a role, window or department, lock or unlock (admin)

        Takes effect on the user's next request: their tokens issued before stop working.
        Recorded.
        """
        return user_admin.change_user(current_actor(), user_id, **args)


@blp.route("/windows")
class Windows(MethodView):
    @blp.response(200, WindowSchema(many=True))
    def get(self):
        """The windows (admin)"""
        return user_admin.list_windows(current_actor())


@blp.route("/departments")
class Departments(MethodView):
    @blp.response(200, DepartmentSchema(many=True))
    def get(self):
        """The departments (admin)"""
        return user_admin.list_departments(current_actor())
