"""Old import path of ``autograd_lite.viz.player`` (kept so existing code keeps working)."""

from autograd_lite.viz.player import player_data, write_player

__all__ = ["player_data", "write_player"]
