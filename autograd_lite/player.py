"""Old import path of ``autograd_lite.viz.player`` (kept so existing code keeps working)."""

from autograd_lite.viz.player import player_css, player_data, player_js, player_page, write_player

__all__ = ["player_css", "player_data", "player_js", "player_page", "write_player"]
